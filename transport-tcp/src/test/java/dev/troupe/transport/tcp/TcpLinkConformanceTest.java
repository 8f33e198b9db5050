package dev.troupe.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.troupe.spi.AbstractLinkConformanceTest;
import dev.troupe.spi.LinkServer;
import dev.troupe.spi.TransportProvider;
import dev.troupe.wire.WireProtocol;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

/** The link conformance suite over loopback TCP, authenticated with a shared secret. */
class TcpLinkConformanceTest extends AbstractLinkConformanceTest {
    private final TcpTransportProvider provider = new TcpTransportProvider();

    @Override
    protected TransportProvider provider() {
        return provider;
    }

    @Override
    protected Map<String, String> listenOptions(Path dir) throws Exception {
        Path secret = dir.resolve("secret");
        Files.writeString(secret, TcpLinkTest.SECRET + "\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        return Map.of("secret-file", secret.toString(), "handshake-timeout", "5s");
    }

    /**
     * A peer that authenticates by hand, as a worker would, and then sends a frame of five bytes that are not an
     * envelope: a field number no envelope has, with a truncated length.
     */
    @Override
    protected AutoCloseable connectAndSendGarbage(LinkServer to) throws Exception {
        URI address = URI.create(to.address());
        Socket socket = openSocket(InetAddress.getByName(address.getHost()), address.getPort());
        try {
            DataInputStream in = new DataInputStream(socket.getInputStream());
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            byte[] challenge = new byte[in.readInt()];
            in.readFully(challenge);
            assertThat(challenge[AuthDescriptor.HEADER_BYTES - 1]).as("a challenge")
                .isEqualTo(AuthDescriptor.CHALLENGE);
            byte[] serverNonce = Arrays.copyOfRange(challenge, AuthDescriptor.HEADER_BYTES,
                AuthDescriptor.HEADER_BYTES + AuthDescriptor.NONCE_BYTES);
            byte[] clientNonce = new byte[AuthDescriptor.NONCE_BYTES];
            new Random(5).nextBytes(clientNonce);
            out.writeInt(AuthDescriptor.HEADER_BYTES + AuthDescriptor.NONCE_BYTES + AuthDescriptor.MAC_BYTES);
            out.writeInt(AuthDescriptor.MAGIC);
            out.writeShort(WireProtocol.VERSION);
            out.writeByte(AuthDescriptor.RESPONSE);
            out.write(clientNonce);
            out.write(AuthDescriptor.clientProof(TcpLinkTest.SECRET.getBytes(StandardCharsets.UTF_8), serverNonce,
                clientNonce));
            out.flush();
            byte[] accept = new byte[in.readInt()];
            in.readFully(accept);
            assertThat(accept[AuthDescriptor.HEADER_BYTES - 1]).as("accepted").isEqualTo(AuthDescriptor.ACCEPT);
            out.write(new byte[] {0, 0, 0, 5, (byte) 0xfa, (byte) 0xff, 0x7f, 0x05, 0x01});
            out.flush();
            return socket;
        } catch (IOException | RuntimeException | Error e) {
            socket.close();
            throw e;
        }
    }

    /**
     * A connected socket to the server, in whatever layer its links use below the frames.
     *
     * @param host the host.
     * @param port the port.
     * @return the socket.
     * @throws Exception when it cannot connect.
     */
    protected Socket openSocket(InetAddress host, int port) throws Exception {
        return new Socket(host, port);
    }
}
