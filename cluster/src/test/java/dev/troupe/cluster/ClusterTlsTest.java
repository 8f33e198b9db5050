package dev.troupe.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.troupe.cluster.ClusterHarness.Member;
import dev.troupe.cluster.ClusterHarness.NodeProcess;
import dev.troupe.transport.tcp.TestCertificates;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SignatureException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutually authenticated TLS between real node JVMs on loopback: nodes with certificates of the cluster's CA form a
 * cluster over TLS; a node whose certificate another CA signed never gets in.
 */
class ClusterTlsTest {
    private static final String SECRET = "a-cluster-secret-for-tls-tests-0123456789";
    /** The subject name every node's certificate shares, as Pekko's TLS provider requires. */
    private static final String CLUSTER_NAME = "troupe-cluster.test";
    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration CONVERGE = Duration.ofSeconds(60);

    @TempDir
    static Path certs;
    private static TestCertificates.Authority ca;
    private static Path[][] nodes;
    private static Path[] stranger;

    @TempDir
    Path logs;
    private ClusterHarness harness;

    @BeforeAll
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    static void makeCertificates() throws Exception {
        ca = TestCertificates.authority(certs, "cluster");
        nodes = new Path[3][];
        for (int i = 0; i < nodes.length; i++) {
            nodes[i] = TestCertificates.signed(certs, "node" + (i + 1), ca, CLUSTER_NAME);
        }
        // The same names as the members' certificates, and the cluster's CA trusted: only the signer differs.
        stranger = TestCertificates.signed(certs, "stranger", TestCertificates.authority(certs, "other"), CLUSTER_NAME);
    }

    @BeforeEach
    void setUp() {
        harness = new ClusterHarness(logs);
    }

    @AfterEach
    void tearDown() {
        harness.close();
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void threeNodesWithTlsJoinAndSeeEachOtherOverMutuallyAuthenticatedTls() throws Exception {
        int p1 = ClusterHarness.freePort();
        NodeProcess n1 = harness.start("node1", p1, SECRET, tls(nodes[0]), p1);
        n1.awaitEvent("started", START);
        int p2 = ClusterHarness.freePort();
        int p3 = ClusterHarness.freePort();
        NodeProcess n2 = harness.start("node2", p2, SECRET, tls(nodes[1]), p1);
        NodeProcess n3 = harness.start("node3", p3, SECRET, tls(nodes[2]), p1);
        n2.awaitEvent("started", START);
        n3.awaitEvent("started", START);
        Set<String> addresses = Set.of(n1.address, n2.address, n3.address);
        List<Member> first = n1.awaitView(addresses, CONVERGE);
        assertThat(n2.awaitView(addresses, CONVERGE)).containsExactlyInAnyOrderElementsOf(first);
        assertThat(n3.awaitView(addresses, CONVERGE)).containsExactlyInAnyOrderElementsOf(first);

        // The Artery port speaks TLS with node 1's certificate, and takes only clients with a certificate.
        try (SSLSocket s = connect(p1, nodes[1])) {
            s.startHandshake();
            Certificate[] peer = s.getSession().getPeerCertificates();
            assertThat(((X509Certificate) peer[0]).getSubjectX500Principal().getName()).isEqualTo("CN=node1");
        }
        try (SSLSocket s = connect(p1, null)) {
            // In TLS 1.3 the client's handshake may complete before the server has looked at the client's
            // certificate; the server's refusal then arrives as an alert at the first read.
            Throwable refused = catchThrowable(() -> {
                s.startHandshake();
                s.getInputStream().read();
            });
            assertThat(refused).as("a client without a certificate is refused").isInstanceOf(SSLException.class)
                .hasMessageContaining("certificate");
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aNodeWhoseCertificateAnotherCaSignedIsRefusedAndItsStartFails() throws Exception {
        int seedPort = ClusterHarness.freePort();
        NodeProcess seed = harness.start("seed", seedPort, SECRET, tls(nodes[0]), seedPort);
        seed.awaitEvent("started", START);
        int strangerPort = ClusterHarness.freePort();
        // The right secret and the cluster's CA trusted: only its own certificate is wrong, so only the seed's
        // check of the client certificate (mutual authentication) can keep it out.
        List<String> settings = List.of("troupe.cluster.tls.enabled=on", "troupe.cluster.tls.cert=" + stranger[0],
            "troupe.cluster.tls.key=" + stranger[1], "troupe.cluster.tls.trust=" + ca.cert(),
            "troupe.cluster.join-timeout=4s");
        NodeProcess intruder = harness.start("stranger", strangerPort, SECRET, conf(settings), seedPort);
        String failed = intruder.awaitEvent("start-failed", START);
        assertThat(failed).contains("dev.troupe.ClusterJoinException").contains("127.0.0.1:" + seedPort)
            // Pekko's join time-out ended it (not Troupe's longer wait for Up), and the message points at TLS.
            .contains("no seed node admitted it within troupe.cluster.join-timeout").contains("TLS certificate");
        assertThat(intruder.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(intruder.process.exitValue()).isEqualTo(3);
        assertThat(seed.nodes()).extracting(Member::address).containsExactly(seed.address);
        assertThat(seed.lines).noneMatch(l -> l.contains(intruder.address));
        // The seed ended the handshake: it refused the stranger's certificate.
        assertThat(intruder.log()).contains("SSLHandshakeException").contains("Received fatal alert");
    }

    /** The settings of a node with TLS on: its certificate and key, and the cluster's CA. */
    private static List<String> tls(Path[] certAndKey) {
        return conf(List.of("troupe.cluster.tls.enabled=on", "troupe.cluster.tls.cert=" + certAndKey[0],
            "troupe.cluster.tls.key=" + certAndKey[1], "troupe.cluster.tls.trust=" + ca.cert()));
    }

    /** Settings as {@link ClusterTestNode} options. */
    private static List<String> conf(List<String> settings) {
        List<String> options = new java.util.ArrayList<>();
        for (String s : settings) {
            options.add("--conf");
            options.add(s);
        }
        return options;
    }

    /** A TLS client of a node's Artery port that trusts the cluster's CA, presenting {@code certAndKey} if any. */
    private static SSLSocket connect(int port, Path[] certAndKey) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", read(ca.cert()));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (certAndKey != null) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            Certificate cert = read(certAndKey[0]);
            String pem = Files.readString(certAndKey[1]).replaceAll("-----[A-Z ]+-----|\\s", "");
            PrivateKey key = KeyFactory.getInstance("RSA")
                .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
            keys.setKeyEntry("node", key, "x".toCharArray(), new Certificate[] {cert});
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, "x".toCharArray());
        }
        SSLContext context = SSLContext.getInstance("TLSv1.3");
        context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        Socket plain = new Socket();
        plain.connect(new InetSocketAddress(ClusterHarness.HOST, port), 10_000);
        plain.setSoTimeout(10_000);
        return (SSLSocket) context.getSocketFactory().createSocket(plain, ClusterHarness.HOST, port, true);
    }

    @Test
    void theMembersCertificatesAreSignedByTheClusterCaAndTheStrangersIsNot() throws Exception {
        X509Certificate caCert = read(ca.cert());
        for (Path[] node : nodes) {
            read(node[0]).verify(caCert.getPublicKey());
        }
        X509Certificate other = read(stranger[0]);
        assertThatThrownBy(() -> other.verify(caCert.getPublicKey())).isInstanceOf(SignatureException.class);
    }

    private static X509Certificate read(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }
}
