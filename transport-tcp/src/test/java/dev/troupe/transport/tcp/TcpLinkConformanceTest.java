package dev.troupe.transport.tcp;

import dev.troupe.spi.AbstractLinkConformanceTest;
import dev.troupe.spi.TransportProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

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
}
