#!/usr/bin/env python3
"""Latency and reordering for a kernel without netem: packets sent to NFQUEUE QUEUE (an iptables
-j NFQUEUE rule) are held here and released (NF_ACCEPT) DELAY_MS later; with REORDER_PERCENT > 0
that share of the packets is released without the delay, i.e. ahead of packets queued before them.
Talks nfnetlink_queue directly over an AF_NETLINK socket (no libnetfilter_queue), metadata only.
Every packet is accepted sooner or later: nothing is dropped here (drops are iptables' job).
Usage (root, in the namespace whose rule feeds the queue):
    python3 bench/nfq_delay.py QUEUE DELAY_MS [REORDER_PERCENT]
Prints "ready" once bound; runs until killed. Throughput is bounded by this single Python thread
(tens of thousands of packets a second), so use it for RTT and modest rates, not bulk ceilings."""
import heapq, os, random, select, socket, struct, sys, time

NETLINK_NETFILTER = 12
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET, NFQNL_MSG_VERDICT, NFQNL_MSG_CONFIG = 0, 1, 2
NFQA_CFG_CMD, NFQA_CFG_PARAMS, NFQA_CFG_QUEUE_MAXLEN = 1, 2, 3
NFQNL_CFG_CMD_BIND = 1
NFQNL_COPY_META = 1
NFQA_PACKET_HDR = 1
NFQA_VERDICT_HDR = 2
NF_ACCEPT = 1
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2


def attr(kind, data):
    length = 4 + len(data)
    return struct.pack("=HH", length, kind) + data + b"\0" * ((4 - length % 4) % 4)


def message(msg_type, queue, attrs, flags=NLM_F_REQUEST, seq=0):
    body = struct.pack("=BBH", socket.AF_UNSPEC, 0, socket.htons(queue)) + b"".join(attrs)
    return struct.pack("=IHHII", 16 + len(body), (NFNL_SUBSYS_QUEUE << 8) | msg_type, flags, seq, 0) + body


def configure(sock, queue, attrs, seq):
    sock.send(message(NFQNL_MSG_CONFIG, queue, attrs, NLM_F_REQUEST | NLM_F_ACK, seq))
    data = sock.recv(65536)
    length, kind = struct.unpack_from("=IH", data)
    if kind == NLMSG_ERROR:
        error = struct.unpack_from("=i", data, 16)[0]
        if error != 0:
            raise OSError(-error, "nfnetlink_queue config: " + os.strerror(-error))


def main():
    queue, delay = int(sys.argv[1]), float(sys.argv[2]) / 1000
    reorder = float(sys.argv[3]) / 100 if len(sys.argv) > 3 else 0.0
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    sock.bind((0, 0))
    configure(sock, queue, [attr(NFQA_CFG_CMD, struct.pack("=BBH", NFQNL_CFG_CMD_BIND, 0, socket.htons(socket.AF_INET)))], 1)
    configure(sock, queue, [attr(NFQA_CFG_PARAMS, struct.pack("!IB", 0, NFQNL_COPY_META)),
                            attr(NFQA_CFG_QUEUE_MAXLEN, struct.pack("!I", 65536))], 2)
    print("ready", flush=True)
    held = []  # (release time, sequence, packet id)
    sequence = 0
    while True:
        timeout = max(0.0, held[0][0] - time.monotonic()) if held else None
        readable, _, _ = select.select([sock], [], [], timeout)
        if readable:
            data = sock.recv(1 << 20)
            offset = 0
            while offset + 16 <= len(data):
                length, kind = struct.unpack_from("=IH", data, offset)
                if length < 16:
                    break
                if kind == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
                    pos = offset + 20
                    while pos + 4 <= offset + length:
                        nla_len, nla_type = struct.unpack_from("=HH", data, pos)
                        if nla_len < 4:
                            break
                        if nla_type & 0x7FFF == NFQA_PACKET_HDR:
                            packet_id = struct.unpack_from("!I", data, pos + 4)[0]
                            wait = 0.0 if reorder and random.random() < reorder else delay
                            sequence += 1
                            heapq.heappush(held, (time.monotonic() + wait, sequence, packet_id))
                        pos += (nla_len + 3) & ~3
                offset += (length + 3) & ~3
        now = time.monotonic()
        while held and held[0][0] <= now:
            _, _, packet_id = heapq.heappop(held)
            sock.send(message(NFQNL_MSG_VERDICT, queue, [attr(NFQA_VERDICT_HDR, struct.pack("!II", NF_ACCEPT, packet_id))]))


if __name__ == "__main__":
    main()
