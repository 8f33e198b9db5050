package dev.troupe.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.troupe.transport.tcp.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code troupe.cluster.tls} settings, the Artery settings they become, and the checks of their files, without
 * starting a node.
 */
class ClusterTlsSettingsTest {
    private static final String SECRET = "tls-settings-test-secret-0123456789";
    private static final String ENGINE = "pekko.remote.artery.ssl.rotating-keys-engine.";

    @TempDir
    static Path dir;
    private static TestCertificates.Authority ca;
    /** An RSA certificate the CA signed, and its key. */
    private static Path[] member;
    /** A self-signed certificate with an EC key. */
    private static Path[] ec;
    private static Path secret;

    @BeforeAll
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    static void makeCertificates() throws Exception {
        ca = TestCertificates.authority(dir, "cluster");
        member = TestCertificates.signed(dir, "member", ca, "troupe-cluster.test");
        ec = TestCertificates.selfSigned(Files.createDirectory(dir.resolve("ec")));
        secret = dir.resolve("secret");
        Files.writeString(secret, SECRET);
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void tlsBecomesArteryTlsTcpWithPekkosPemProvider() {
        Config pekko = configure(tls(member[0], member[1], ca.cert()));
        assertThat(pekko.getString("pekko.remote.artery.transport")).isEqualTo("tls-tcp");
        assertThat(pekko.getString("pekko.remote.artery.ssl.ssl-engine-provider"))
            .isEqualTo("org.apache.pekko.remote.artery.tcp.ssl.RotatingKeysSSLEngineProvider");
        assertThat(pekko.getString(ENGINE + "cert-file")).isEqualTo(member[0].toAbsolutePath().toString());
        assertThat(pekko.getString(ENGINE + "key-file")).isEqualTo(member[1].toAbsolutePath().toString());
        assertThat(pekko.getString(ENGINE + "ca-cert-file")).isEqualTo(ca.cert().toAbsolutePath().toString());
    }

    @Test
    void withTlsOffArteryRunsPlainTcpAndNoFileIsNamed() {
        Config pekko = configure(Map.of("troupe.cluster.enabled", true,
            "troupe.cluster.tls.cert", "/no/such/file.crt"));
        assertThat(pekko.getString("pekko.remote.artery.transport")).isEqualTo("tcp");
        assertThat(pekko.hasPath("pekko.remote.artery.ssl")).isFalse();
    }

    @Test
    void anEmptyTrustMeansTheCertificateItself() {
        Map<String, Object> settings = tls(member[0], member[1], null);
        Config pekko = configure(settings);
        assertThat(pekko.getString(ENGINE + "ca-cert-file")).isEqualTo(member[0].toAbsolutePath().toString());
    }

    @Test
    void offLoopbackTlsIsEnoughWithoutInsecure() {
        Map<String, Object> settings = tls(member[0], member[1], ca.cert());
        settings.put("troupe.cluster.bind", "0.0.0.0:25601");
        Config pekko = configure(settings);
        assertThat(pekko.getString("pekko.remote.artery.transport")).isEqualTo("tls-tcp");
        assertThat(pekko.getString("pekko.remote.artery.bind.hostname")).isEqualTo("0.0.0.0");
        settings.put("troupe.cluster.tls.enabled", false);
        assertThatThrownBy(() -> configure(settings)).hasMessageContaining("not a loopback address")
            .hasMessageContaining("troupe.cluster.tls.enabled = on").hasMessageContaining("troupe.cluster.insecure");
    }

    @Test
    void tlsOnWithoutCertificateOrKeyIsRefusedNamingWhatIsMissing() {
        assertThatThrownBy(() -> configure(tls(null, null, null)))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("troupe.cluster.tls.enabled is on but troupe.cluster.tls.cert and"
                + " troupe.cluster.tls.key are not set");
        assertThatThrownBy(() -> configure(tls(member[0], null, null)))
            .hasMessageContaining("troupe.cluster.tls.key is not set");
    }

    @Test
    void missingFilesAreRefusedNamingTheSetting() {
        Path missing = dir.resolve("missing.pem");
        assertThatThrownBy(() -> configure(tls(missing, member[1], ca.cert())))
            .hasMessageContaining("troupe.cluster.tls.cert: " + missing + " does not exist");
        assertThatThrownBy(() -> configure(tls(member[0], member[1], missing)))
            .hasMessageContaining("troupe.cluster.tls.trust: " + missing + " does not exist");
        assertThatThrownBy(() -> configure(tls(member[0], missing, ca.cert())))
            .hasMessageContaining("(troupe.cluster.tls.key) does not exist or is not readable");
    }

    @Test
    void aKeyReadableByOthersIsRefused() throws Exception {
        Path shared = dir.resolve("shared.key");
        Files.copy(member[1], shared);
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> configure(tls(member[0], shared, ca.cert())))
            .hasMessageContaining("(troupe.cluster.tls.key) is readable by other users")
            .hasMessageContaining("chmod 600 " + shared);
    }

    @Test
    void anEcKeyIsRefusedBecausePekkoReadsOnlyRsaKeys() {
        assertThatThrownBy(() -> configure(tls(ec[0], ec[1], null)))
            .hasMessageContaining("troupe.cluster.tls.key: " + ec[1] + " is not an RSA private key");
    }

    @Test
    void aKeyOfAnotherCertificateIsRefused() {
        assertThatThrownBy(() -> configure(tls(ca.cert(), member[1], ca.cert())))
            .hasMessageContaining("troupe.cluster.tls.key: the private key in " + member[1] + " does not belong to"
                + " the certificate in " + ca.cert());
    }

    @Test
    void aFileThatHoldsNoCertificateIsRefused() {
        assertThatThrownBy(() -> configure(tls(member[1], member[1], ca.cert())))
            .hasMessageContaining("troupe.cluster.tls.cert: " + member[1] + " is not a PEM X.509 certificate");
        assertThatThrownBy(() -> configure(tls(member[0], member[1], secret)))
            .hasMessageContaining("troupe.cluster.tls.trust: " + secret + " is not a PEM X.509 certificate");
    }

    @Test
    void aCertificateTheTrustedCaDidNotSignStartsWithAWarning() {
        Map<String, Object> settings = tls(member[0], member[1], ec[0]);
        assertThat(configure(settings).getString(ENGINE + "ca-cert-file")).isEqualTo(ec[0].toString());
        List<String> warnings = ClusterSettings.of(config(settings)).tls.check();
        assertThat(warnings).singleElement().asString()
            .contains("troupe.cluster.tls.cert: the certificate in " + member[0])
            .contains("is not signed by the CA certificate in " + ec[0] + " (troupe.cluster.tls.trust");
        assertThat(ClusterSettings.of(config(tls(member[0], member[1], ca.cert()))).tls.check()).isEmpty();
    }

    /** Settings of a clustered node with TLS on; a {@code null} file is left unset. */
    private static Map<String, Object> tls(Path cert, Path key, Path trust) {
        Map<String, Object> s = new HashMap<>();
        s.put("troupe.cluster.enabled", true);
        s.put("troupe.cluster.tls.enabled", true);
        if (cert != null) {
            s.put("troupe.cluster.tls.cert", cert.toString());
        }
        if (key != null) {
            s.put("troupe.cluster.tls.key", key.toString());
        }
        if (trust != null) {
            s.put("troupe.cluster.tls.trust", trust.toString());
        }
        return s;
    }

    private static Config configure(Map<String, Object> settings) {
        return new ClusterNodeExtension().configure(config(settings)).orElseThrow();
    }

    private static Config config(Map<String, Object> settings) {
        Map<String, Object> s = new HashMap<>(settings);
        s.put("troupe.cluster.secret-file", secret.toString());
        return ConfigFactory.parseMap(s).withFallback(ConfigFactory.defaultReference()).resolve();
    }
}
