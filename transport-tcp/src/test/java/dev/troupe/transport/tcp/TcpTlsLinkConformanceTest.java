package dev.troupe.transport.tcp;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
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

    @Override
    protected Socket openSocket(InetAddress host, int port) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(pem[0])) {
            trust.setCertificateEntry("node", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(host, port);
        socket.startHandshake();
        return socket;
    }
}
