package dev.sshtunnel.forwarder.forward;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** The HTTP CONNECT parser of Dynamic forwards: what it accepts, what it refuses, and that it never reads ahead. */
class HttpConnectHandshakeTest {

    private static SocksHandshake.Outcome parse(String bytes) {
        return HttpConnectHandshake.parse(ByteBuffer.wrap(bytes.getBytes(StandardCharsets.ISO_8859_1)));
    }

    @Test
    void connectToANameAnIpv4AndAnIpv6Literal() {
        assertThat(request(parse("CONNECT db.internal:5432 HTTP/1.1\r\nHost: db.internal:5432\r\nUser-Agent: curl\r\n\r\n")))
                .isEqualTo("db.internal:5432");
        assertThat(request(parse("CONNECT 10.0.0.1:443 HTTP/1.0\r\n\r\n"))).isEqualTo("10.0.0.1:443");
        assertThat(request(parse("CONNECT [2001:db8::1]:22 HTTP/1.1\r\n\r\n"))).isEqualTo("2001:db8::1:22");
    }

    @Test
    void asksForNoByteBeyondTheBlankLine() {
        String header = "CONNECT a:1 HTTP/1.1\r\n\r\n";
        // Feed it as the negotiation does, as many bytes as asked for: the sum lands exactly on the header's end.
        int read = 1;
        while (true) {
            SocksHandshake.Outcome outcome = parse(header.substring(0, read));
            if (outcome instanceof SocksHandshake.Complete) {
                break;
            }
            read += ((SocksHandshake.NeedMore) outcome).bytes();
            assertThat(read).isLessThanOrEqualTo(header.length());
        }
        assertThat(read).isEqualTo(header.length());
        assertThat(parse("CONNECT a:1 HTTP/1.1\r\n\r")).isEqualTo(new SocksHandshake.NeedMore(1, false));
        assertThat(parse("CONNECT a:1 HTTP/1.1\r\n")).isEqualTo(new SocksHandshake.NeedMore(2, false));
        assertThat(parse("CONNECT a:1 HTTP/1.1")).isEqualTo(new SocksHandshake.NeedMore(4, false));
    }

    @Test
    void otherMethodsGet405NamingOnlyTheMethod() {
        SocksHandshake.Refused refused = refused(parse("GET http://db.internal/ HTTP/1.1\r\nHost: db.internal\r\n\r\n"));
        assertThat(new String(refused.reply(), StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 405 Method Not Allowed\r\n")
                .contains("Allow: CONNECT\r\n").endsWith("\r\n\r\n");
        assertThat(refused.message()).isEqualTo("HTTP method GET is not supported (CONNECT only)");
    }

    @Test
    void malformedTargetsGet400WithoutEchoingThem() {
        for (String target : new String[] {"db.internal", "db.internal:0", "db.internal:70000", "db.internal:x", ":80",
                "bad\u001bname:80", "user@db:80", "[::1:80", "db:80/path"}) {
            SocksHandshake.Refused refused = refused(parse("CONNECT " + target + " HTTP/1.1\r\n\r\n"));
            assertThat(new String(refused.reply(), StandardCharsets.US_ASCII)).as(target).startsWith("HTTP/1.1 400 Bad Request\r\n");
            assertThat(refused.message()).isEqualTo(HttpConnectHandshake.BAD_TARGET);
        }
        assertThat(refused(parse("CONNECT a:1 HTTP/2\r\n\r\n")).message()).isEqualTo("not an HTTP/1.x request line");
        assertThat(refused(parse("CONNECT  a:1 HTTP/1.1\r\n\r\n")).message()).isEqualTo("not an HTTP/1.x request line");
    }

    @Test
    void aHeaderWithoutEndIsRefusedAtTheBound() {
        String start = "CONNECT a:1 HTTP/1.1\r\nX: ";
        String full = start + "a".repeat(HttpConnectHandshake.MAX_LENGTH - start.length());
        SocksHandshake.NeedMore more = (SocksHandshake.NeedMore) parse(full.substring(0, full.length() - 1));
        assertThat(more.bytes()).isEqualTo(1);
        SocksHandshake.Refused refused = refused(parse(full));
        assertThat(new String(refused.reply(), StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 431 ");
    }

    @Test
    void repliesMapTheSocksCodes() {
        HttpConnectHandshake request = (HttpConnectHandshake) ((SocksHandshake.Complete) parse("CONNECT a:1 HTTP/1.1\r\n\r\n")).request();
        assertThat(new String(request.replyBytes(SocksHandshake.SUCCEEDED), StandardCharsets.US_ASCII))
                .isEqualTo("HTTP/1.1 200 Connection established\r\n\r\n");
        assertThat(new String(request.replyBytes(DynamicForward.NOT_ALLOWED_BY_RULESET), StandardCharsets.US_ASCII))
                .startsWith("HTTP/1.1 403 Forbidden\r\n");
        assertThat(new String(request.replyBytes(5), StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 502 Bad Gateway\r\n");
        assertThat(new String(request.replyBytes(DynamicForward.HOST_UNREACHABLE), StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 502 ");
    }

    @Test
    void onlyLettersStartARequest() {
        assertThat(HttpConnectHandshake.startsRequest('C')).isTrue();
        assertThat(HttpConnectHandshake.startsRequest('g')).isTrue();
        assertThat(HttpConnectHandshake.startsRequest(4)).isFalse();
        assertThat(HttpConnectHandshake.startsRequest(5)).isFalse();
        assertThat(HttpConnectHandshake.startsRequest(' ')).isFalse();
    }

    private static String request(SocksHandshake.Outcome outcome) {
        assertThat(outcome).isInstanceOf(SocksHandshake.Complete.class);
        ConnectRequest request = ((SocksHandshake.Complete) outcome).request();
        return request.host() + ":" + request.port();
    }

    private static SocksHandshake.Refused refused(SocksHandshake.Outcome outcome) {
        assertThat(outcome).isInstanceOf(SocksHandshake.Refused.class);
        return (SocksHandshake.Refused) outcome;
    }
}
