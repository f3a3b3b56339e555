// Command echo is the backend and the client of the test node's Service tests (hack/image/echo-image.sh).
//
//	echo -listen :PORT      echoes every byte of every TCP connection back until the peer closes it;
//	                        exits 0 on SIGINT or SIGTERM.
//	echo -dial HOST:PORT[,HOST:PORT...]
//	                        for each address in turn: resolves HOST once, connects, writes a payload and
//	                        reads it back; exits 0 when every byte came back unchanged from every one,
//	                        prints what failed and exits 1 otherwise.
//
// One attempt, no retry: a client pod ends Succeeded only when the path to a backend works now.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	listen := flag.String("listen", "", "address to serve TCP echo on, e.g. :7007")
	dial := flag.String("dial", "", "HOST:PORT[,HOST:PORT...] to check an echo through")
	size := flag.Int("bytes", 64<<10, "payload size for -dial")
	timeout := flag.Duration("timeout", 10*time.Second, "deadline of the check of each -dial address")
	flag.Parse()
	switch {
	case *listen != "" && *dial == "":
		if err := serve(*listen); err != nil {
			fmt.Fprintln(os.Stderr, "echo:", err)
			os.Exit(1)
		}
	case *dial != "" && *listen == "":
		for _, address := range strings.Split(*dial, ",") {
			if err := check(address, *size, *timeout); err != nil {
				fmt.Println("echo: FAILED:", err)
				os.Exit(1)
			}
		}
	default:
		fmt.Fprintln(os.Stderr, "usage: echo -listen ADDR | echo -dial HOST:PORT[,HOST:PORT...] [-bytes N] [-timeout D]")
		os.Exit(2)
	}
}

func serve(address string) error {
	listener, err := net.Listen("tcp", address)
	if err != nil {
		return err
	}
	fmt.Println("echo: listening on", listener.Addr())
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-stop
		os.Exit(0)
	}()
	for {
		conn, err := listener.Accept()
		if err != nil {
			return err
		}
		go func() {
			defer conn.Close()
			io.Copy(conn, conn)
		}()
	}
}

func check(address string, size int, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	// Resolved here, not by Dial, so the address the name stood for is printed even when the connect fails.
	ips, err := net.DefaultResolver.LookupIP(ctx, "ip4", host)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", host, err)
	}
	target := net.JoinHostPort(ips[0].String(), port)
	fmt.Printf("echo: %s resolved to %s\n", host, ips[0])
	var dialer net.Dialer
	conn, err := dialer.DialContext(ctx, "tcp", target)
	if err != nil {
		return fmt.Errorf("connect %s: %w", target, err)
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	payload := make([]byte, size)
	rand.Read(payload)
	written := make(chan error, 1)
	go func() {
		_, err := conn.Write(payload)
		if err == nil {
			err = conn.(*net.TCPConn).CloseWrite()
		}
		written <- err
	}()
	echoed, err := io.ReadAll(conn)
	if werr := <-written; werr != nil {
		return fmt.Errorf("write to %s: %w", target, werr)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read from %s after %d bytes: %w", target, len(echoed), err)
	}
	if !bytes.Equal(echoed, payload) {
		return fmt.Errorf("%s echoed %d bytes, not the %d sent", target, len(echoed), len(payload))
	}
	fmt.Printf("echo: %d bytes echoed by %s via %s\n", len(echoed), target, address)
	return nil
}
