package dev.sshtunnel.forwarder.forward;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

/**
 * The SOCKS parser on bytes alone, valid and hostile: what it accepts, what it refuses with which reply, and that it
 * never asks for a byte past the request (what follows belongs to the channel). The socket side is HostileSocksClientsIT's.
 */
class SocksHandshakeTest {

    private static final byte[] GREETING = {5, 1, 0};

    // ---- valid requests ----

    @Test
    void socks4ConnectToAnAddressIsComplete() {
        SocksHandshake request = complete(socks4(1, 8080, new byte[] {10, 0, 0, 7}, "bob", null));
        assertThat(request.version).isEqualTo(SocksHandshake.SOCKS4);
        assertThat(request.host).isEqualTo("10.0.0.7");
        assertThat(request.port).isEqualTo(8080);
        assertThat(request.replyBytes(SocksHandshake.SUCCEEDED)).containsExactly(0, 0x5A, 0, 0, 0, 0, 0, 0);
        assertThat(request.replyBytes(SocksHandshake.GENERAL_FAILURE)).containsExactly(0, 0x5B, 0, 0, 0, 0, 0, 0);
    }

    @Test
    void socks4aCarriesANameTheServerResolves() {
        SocksHandshake request = complete(socks4(1, 443, new byte[] {0, 0, 0, 1}, "", "db.internal"));
        assertThat(request.host).isEqualTo("db.internal");
        assertThat(request.port).isEqualTo(443);
    }

    @Test
    void socks5ConnectToIpv4Ipv6AndANameIsComplete() {
        SocksHandshake v4 = complete(socks5(1, 1, new byte[] {127, 0, 0, 1}, 5432));
        assertThat(v4.version).isEqualTo(SocksHandshake.SOCKS5);
        assertThat(v4.host).isEqualTo("127.0.0.1");
        assertThat(v4.port).isEqualTo(5432);
        assertThat(v4.replyBytes(SocksHandshake.SUCCEEDED)).containsExactly(5, 0, 0, 1, 0, 0, 0, 0, 0, 0);

        byte[] loopback6 = new byte[16];
        loopback6[15] = 1;
        assertThat(complete(socks5(1, 4, loopback6, 65535)).host).isEqualTo("0:0:0:0:0:0:0:1");
        assertThat(complete(socks5(1, 4, loopback6, 65535)).port).isEqualTo(65535);

        SocksHandshake named = complete(socks5(1, 3, name("web-1.apps_x.example"), 80));
        assertThat(named.host).isEqualTo("web-1.apps_x.example");
        assertThat(named.port).isEqualTo(80);
    }

    @Test
    void aSocks5GreetingAmongOtherMethodsIsAccepted() {
        byte[] greeting = {5, 3, 2, 1, 0};
        byte[] request = concat(greeting, new byte[] {5, 1, 0, 1, 10, 1, 2, 3, 0, 22});
        assertThat(complete(request).host).isEqualTo("10.1.2.3");
    }

    /**
     * Fed as SocksNegotiation feeds it, exactly as many bytes as it asks for each time: it completes on the request's
     * last byte, never reading into what an optimistic client sends after it, and says when the greeting is complete.
     */
    @Test
    void itNeverAsksForAByteBeyondTheRequest() {
        byte[] trailing = "GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);
        for (byte[] request : new byte[][] {
                socks4(1, 80, new byte[] {1, 2, 3, 4}, "user", null),
                socks4(1, 80, new byte[] {0, 0, 0, 9}, "user", "example.com"),
                socks5(1, 1, new byte[] {1, 2, 3, 4}, 80),
                socks5(1, 3, name("example.com"), 80),
                socks5(1, 4, new byte[16], 80)}) {
            byte[] stream = concat(request, trailing);
            int read = 1;
            boolean greeted = false;
            SocksHandshake.Outcome outcome;
            while ((outcome = SocksHandshake.parse(ByteBuffer.wrap(stream, 0, read).slice())) instanceof SocksHandshake.NeedMore more) {
                assertThat(more.bytes()).isPositive();
                greeted |= more.greeted();
                read += more.bytes();
                assertThat(read).as("bytes asked for of %s", Arrays.toString(request)).isLessThanOrEqualTo(request.length);
            }
            assertThat(outcome).isInstanceOf(SocksHandshake.Complete.class);
            assertThat(read).isEqualTo(request.length);
            assertThat(greeted).as("greeting seen before the request of %s", Arrays.toString(request))
                    .isEqualTo(request[0] == 5);
        }
    }

    @Test
    void partialInputAsksForWhatIsMissingAtLeast() {
        assertThat(SocksHandshake.parse(ByteBuffer.allocate(0))).isEqualTo(new SocksHandshake.NeedMore(1, false));
        assertThat(SocksHandshake.parse(ByteBuffer.wrap(new byte[] {4, 1, 0}))).isEqualTo(new SocksHandshake.NeedMore(5, false));
        // SOCKS4 header complete, user id not yet terminated: one byte at a time, never past the NUL.
        assertThat(SocksHandshake.parse(ByteBuffer.wrap(new byte[] {4, 1, 0, 80, 1, 2, 3, 4, 'b'})))
                .isEqualTo(new SocksHandshake.NeedMore(1, false));
        assertThat(SocksHandshake.parse(ByteBuffer.wrap(new byte[] {5}))).isEqualTo(new SocksHandshake.NeedMore(1, false));
        assertThat(SocksHandshake.parse(ByteBuffer.wrap(new byte[] {5, 3, 0}))).isEqualTo(new SocksHandshake.NeedMore(2, false));
        assertThat(SocksHandshake.parse(ByteBuffer.wrap(GREETING))).isEqualTo(new SocksHandshake.NeedMore(4, true));
        assertThat(SocksHandshake.parse(ByteBuffer.wrap(concat(GREETING, new byte[] {5, 1, 0, 3}))))
                .isEqualTo(new SocksHandshake.NeedMore(1, true));
        assertThat(SocksHandshake.parse(ByteBuffer.wrap(concat(GREETING, new byte[] {5, 1, 0, 3, 11}))))
                .isEqualTo(new SocksHandshake.NeedMore(11 + 2, true)); // the name and the port; its length byte is here
    }

    @Test
    void parsingLeavesTheBufferAsItWas() {
        ByteBuffer received = ByteBuffer.wrap(socks5(1, 1, new byte[] {1, 2, 3, 4}, 80));
        received.position(3);
        SocksHandshake.parse(received);
        assertThat(received.position()).isEqualTo(3);
        assertThat(received.limit()).isEqualTo(received.capacity());
    }

    @Test
    void theLongestHandshakeFitsTheBufferOneClientMayHold() {
        // SOCKS4a with a 255-byte user id and a 255-byte name: MAX_LENGTH, and judged (a name is 253 at most) without more.
        byte[] longest = socks4(1, 80, new byte[] {0, 0, 0, 1}, "u".repeat(255), "h".repeat(255));
        assertThat(longest).hasSize(SocksHandshake.MAX_LENGTH);
        assertThat(refused(longest).message()).isEqualTo(SocksHandshake.NOT_A_HOST_NAME);
        assertThat(complete(socks4(1, 80, new byte[] {0, 0, 0, 1}, "u".repeat(255), "h".repeat(253))).host).hasSize(253);
        // SOCKS5 with 255 methods and a 255-byte name is shorter.
        byte[] socks5 = concat(new byte[] {5, (byte) 255}, new byte[255], new byte[] {5, 1, 0, 3, (byte) 255},
                "n".repeat(255).getBytes(StandardCharsets.US_ASCII), new byte[] {0, 80});
        assertThat(socks5).hasSize(SocksHandshake.MAX_LENGTH - 1);
        assertThat(refused(socks5).greeted()).isTrue();
    }

    // ---- hostile and unsupported input ----

    @Test
    void notSocksAtAllIsRefusedWithoutAReply() {
        SocksHandshake.Refused refused = refused("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(refused.reply()).isNull();
        assertThat(refused.message()).isEqualTo("not a SOCKS request (version byte 71)");
        assertThat(refused.greeted()).isFalse();
        assertThat(refused(new byte[] {0}).message()).contains("version byte 0");
        assertThat(refused(new byte[] {(byte) 0xFF}).message()).contains("version byte 255");
    }

    @Test
    void aUserIdOrNameLongerThan255BytesIsRefused() {
        // No NUL within 256 bytes: the client would make us hold its bytes forever.
        byte[] header = {4, 1, 0, 80, 1, 2, 3, 4};
        SocksHandshake.Refused user = refused(concat(header, "a".repeat(256).getBytes(StandardCharsets.US_ASCII)));
        assertThat(user.message()).isEqualTo("SOCKS4 field too long");
        assertThat(user.reply()).isNull();
        byte[] header4a = {4, 1, 0, 80, 0, 0, 0, 1, 0};
        assertThat(refused(concat(header4a, "h".repeat(256).getBytes(StandardCharsets.US_ASCII))).message())
                .isEqualTo("SOCKS4 field too long");
        // Its NUL arriving with the 257th byte does not make a 256-byte field acceptable.
        assertThat(refused(socks4(1, 80, new byte[] {1, 2, 3, 4}, "a".repeat(256), null)).message()).isEqualTo("SOCKS4 field too long");
        assertThat(refused(socks4(1, 80, new byte[] {0, 0, 0, 1}, "", "h".repeat(256))).message()).isEqualTo("SOCKS4 field too long");
        // 255 bytes without NUL yet is still a field that may end.
        assertThat(SocksHandshake.parse(ByteBuffer.wrap(concat(header, "a".repeat(255).getBytes(StandardCharsets.US_ASCII)))))
                .isEqualTo(new SocksHandshake.NeedMore(1, false));
    }

    @Test
    void aNameThatIsNoHostNameIsRefusedWithoutEchoingIt() {
        String hostile = "evil\r\nFAKE LOG LINE";
        SocksHandshake.Refused four = refused(socks4(1, 80, new byte[] {0, 0, 0, 1}, "", hostile));
        assertThat(four.reply()).containsExactly(0, 0x5B, 0, 0, 0, 0, 0, 0);
        assertThat(four.message()).isEqualTo(SocksHandshake.NOT_A_HOST_NAME).doesNotContain("evil");

        SocksHandshake.Refused five = refused(socks5(1, 3, name(hostile), 80));
        assertThat(five.reply()).containsExactly(5, SocksHandshake.GENERAL_FAILURE, 0, 1, 0, 0, 0, 0, 0, 0);
        assertThat(five.message()).isEqualTo(SocksHandshake.NOT_A_HOST_NAME);
        assertThat(five.greeted()).as("the method selection is owed before the reply").isTrue();

        assertThat(refused(socks5(1, 3, new byte[] {0}, 80)).message()).as("an empty name").isEqualTo(SocksHandshake.NOT_A_HOST_NAME);
        assertThat(refused(socks4(1, 80, new byte[] {0, 0, 0, 1}, "", "")).message()).isEqualTo(SocksHandshake.NOT_A_HOST_NAME);
    }

    @Test
    void hostNamesAreDnsShapedAndAtMost253Characters() {
        assertThat(SocksHandshake.isHostName("a")).isTrue();
        assertThat(SocksHandshake.isHostName("x".repeat(253))).isTrue();
        assertThat(SocksHandshake.isHostName("x".repeat(254))).isFalse();
        assertThat(SocksHandshake.isHostName("")).isFalse();
        for (String bad : new String[] {"a b", "a/b", "a:b", "a\u0000b", "é.example", "a%2e", "[::1]", "a\tb"}) {
            assertThat(SocksHandshake.isHostName(bad)).as(bad).isFalse();
        }
    }

    @Test
    void socks5WithoutNoAuthenticationIsToldNoAcceptableMethod() {
        SocksHandshake.Refused refused = refused(new byte[] {5, 2, 1, 2});
        assertThat(refused.reply()).containsExactly(5, 0xFF);
        assertThat(refused.greeted()).isFalse();
        assertThat(refused(new byte[] {5, 0}).reply()).as("no methods at all").containsExactly(5, 0xFF);
    }

    @Test
    void commandsOtherThanConnectAreRefused() {
        SocksHandshake.Refused bind4 = refused(socks4(2, 80, new byte[] {1, 2, 3, 4}, "", null));
        assertThat(bind4.reply()).containsExactly(0, 0x5B, 0, 0, 0, 0, 0, 0);
        assertThat(bind4.message()).isEqualTo("SOCKS4 command 2 is not supported (CONNECT only)");

        SocksHandshake.Refused udp = refused(socks5(3, 1, new byte[] {1, 2, 3, 4}, 53));
        assertThat(udp.reply()).containsExactly(5, SocksHandshake.COMMAND_NOT_SUPPORTED, 0, 1, 0, 0, 0, 0, 0, 0);
        assertThat(udp.message()).isEqualTo("SOCKS5 command 3 is not supported (CONNECT only)");
        assertThat(udp.greeted()).isTrue();
    }

    @Test
    void unknownAddressTypesAndWrongRequestVersionsAreRefused() {
        SocksHandshake.Refused type = refused(concat(GREETING, new byte[] {5, 1, 0, 2, 1, 2, 3, 4, 0, 80}));
        assertThat(type.reply()).containsExactly(5, SocksHandshake.ADDRESS_TYPE_NOT_SUPPORTED, 0, 1, 0, 0, 0, 0, 0, 0);
        assertThat(type.message()).isEqualTo("SOCKS5 address type 2 is not supported");
        assertThat(type.greeted()).isTrue();

        SocksHandshake.Refused version = refused(concat(GREETING, new byte[] {4, 1, 0, 1}));
        assertThat(version.reply()).isNull();
        assertThat(version.message()).isEqualTo("SOCKS5 request with a wrong version");
        assertThat(version.greeted()).isTrue();
    }

    // ---- helpers ----

    private static SocksHandshake complete(byte[] bytes) {
        SocksHandshake.Outcome outcome = SocksHandshake.parse(ByteBuffer.wrap(bytes));
        assertThat(outcome).as(Arrays.toString(bytes)).isInstanceOf(SocksHandshake.Complete.class);
        return (SocksHandshake) ((SocksHandshake.Complete) outcome).request();
    }

    private static SocksHandshake.Refused refused(byte[] bytes) {
        SocksHandshake.Outcome outcome = SocksHandshake.parse(ByteBuffer.wrap(bytes));
        assertThat(outcome).isInstanceOf(SocksHandshake.Refused.class);
        return (SocksHandshake.Refused) outcome;
    }

    /** VN CD DSTPORT DSTIP USERID NUL [NAME NUL]. */
    private static byte[] socks4(int command, int port, byte[] ip, String user, String name) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(4);
        out.write(command);
        out.write(port >> 8);
        out.write(port & 0xFF);
        out.writeBytes(ip);
        out.writeBytes(user.getBytes(StandardCharsets.ISO_8859_1));
        out.write(0);
        if (name != null) {
            out.writeBytes(name.getBytes(StandardCharsets.ISO_8859_1));
            out.write(0);
        }
        return out.toByteArray();
    }

    /** The no-authentication greeting, then VER CMD RSV ATYP DST.ADDR DST.PORT. */
    private static byte[] socks5(int command, int type, byte[] address, int port) {
        return concat(GREETING, new byte[] {5, (byte) command, 0, (byte) type}, address, new byte[] {(byte) (port >> 8), (byte) port});
    }

    /** A SOCKS5 domain: its length byte, then its bytes. */
    private static byte[] name(String name) {
        byte[] bytes = name.getBytes(StandardCharsets.ISO_8859_1);
        return concat(new byte[] {(byte) bytes.length}, bytes);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
