package dev.troupe.transport.tcp;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The link conformance suite over loopback TCP inside TLS, with the shared secret's handshake inside it. */
class TcpTlsLinkConformanceTest extends TcpLinkConformanceTest {
    @TempDir
    static Path certificates;
    private static Path[] pem;

    @BeforeAll
    static void certificate() throws Exception {
        pem = TestCertificates.selfSigned(certificates);
    }

    @Override
    protected Map<String, String> listenOptions(Path dir) throws Exception {
        Map<String, String> options = new HashMap<>(super.listenOptions(dir));
        options.putAll(Map.of("tls.enabled", "true", "tls.cert", pem[0].toString(), "tls.key", pem[1].toString()));
        return options;
    }

    @Override
    protected Map<String, String> connectOptions(Path dir) throws Exception {
        Map<String, String> options = new HashMap<>(super.listenOptions(dir));
        options.putAll(Map.of("tls.enabled", "true", "tls.trust", pem[0].toString()));
        return options;
    }
}
