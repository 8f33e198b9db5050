package dev.troupe.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code troupe.cluster} settings and the Pekko settings they become, without starting a node.
 */
class ClusterSettingsTest {
    private static final String SECRET = "settings-test-secret-0123456789";

    @TempDir
    Path dir;

    @Test
    void withoutSeedNodesTheExtensionStaysOut() {
        assertThat(new ClusterNodeExtension().configure(config(Map.of()))).isEmpty();
    }

    @Test
    void seedsBindLabelsAndSafetySettingsBecomePekkoSettings() throws Exception {
        Path secret = secretFile(SECRET);
        Config pekko = new ClusterNodeExtension().configure(config(Map.of(
            "troupe.cluster.seed-nodes", List.of("127.0.0.1:25601", "localhost:25602"),
            "troupe.cluster.bind", "127.0.0.1:0",
            "troupe.cluster.labels", List.of("gpu"),
            "troupe.cluster.join-timeout", "7s",
            "troupe.cluster.secret-file", secret.toString()))).orElseThrow();
        assertThat(pekko.getString("pekko.actor.provider")).isEqualTo("cluster");
        assertThat(pekko.getString("pekko.remote.artery.canonical.hostname")).isEqualTo("127.0.0.1");
        assertThat(pekko.getInt("pekko.remote.artery.canonical.port")).isZero();
        assertThat(pekko.getStringList("pekko.cluster.seed-nodes"))
            .containsExactly("pekko://troupe@127.0.0.1:25601", "pekko://troupe@localhost:25602");
        // Labels, and the role that tells the others how many workers this node lends (its cores by default).
        assertThat(pekko.getStringList("pekko.cluster.roles")).containsExactly("gpu",
            ClusterSettings.workersRole(Runtime.getRuntime().availableProcessors()));
        // Lent workers dial this node over Troupe TCP, on the bind host, with the cluster's secret.
        assertThat(pekko.getString("troupe.tcp.listen")).isEqualTo("127.0.0.1:0");
        assertThat(pekko.getString("troupe.tcp.secret-file")).isEqualTo(secret.toString());
        assertThat(pekko.getString("pekko.cluster.downing-provider-class")).isEqualTo(ClusterSettings.SBR_PROVIDER);
        // A downed node closes its Troupe before its actor system stops, not the other way round.
        assertThat(pekko.getBoolean("pekko.cluster.run-coordinated-shutdown-when-down")).isFalse();
        assertThat(pekko.getDuration("pekko.cluster.shutdown-after-unsuccessful-join-seed-nodes").toSeconds())
            .isEqualTo(7);
        assertThat(pekko.getString("pekko.cluster.configuration-compatibility-check.checkers.troupe-secret"))
            .isEqualTo(SecretIdChecker.class.getName());
        assertThat(pekko.getString(ClusterSettings.SECRET_ID_PATH))
            .isEqualTo(ClusterSecret.secretId(SECRET.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        // Only the digest: the secret itself is nowhere in the settings.
        assertThat(pekko.root().render()).doesNotContain(SECRET);
    }

    @Test
    void aDowningProviderOfTheUsersOwnIsKept() throws Exception {
        Config pekko = new ClusterNodeExtension().configure(config(Map.of(
            "troupe.cluster.enabled", true,
            "troupe.cluster.secret-file", secretFile(SECRET).toString(),
            "pekko.cluster.downing-provider-class", "com.example.MyDowning"))).orElseThrow();
        assertThat(pekko.hasPath("pekko.cluster.downing-provider-class")).isFalse();
    }

    @Test
    void aBindOffLoopbackIsRefusedWithoutInsecure() throws Exception {
        String host = nonLoopbackAddress();
        Map<String, Object> settings = Map.of(
            "troupe.cluster.seed-nodes", List.of(host + ":25601"),
            "troupe.cluster.bind", host + ":25601",
            "troupe.cluster.secret-file", secretFile(SECRET).toString());
        assertThatThrownBy(() -> new ClusterNodeExtension().configure(config(settings)))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("troupe.cluster.bind").hasMessageContaining("not a loopback address")
            .hasMessageContaining("Turn on TLS between nodes (troupe.cluster.tls.enabled = on")
            .hasMessageContaining("or set troupe.cluster.insecure = on");
        Map<String, Object> insecure = new java.util.HashMap<>(settings);
        insecure.put("troupe.cluster.insecure", true);
        Config pekko = new ClusterNodeExtension().configure(config(insecure)).orElseThrow();
        assertThat(pekko.getString("pekko.remote.artery.canonical.hostname")).isEqualTo(host);
    }

    @Test
    void aWildcardBindListensEverywhereAndAnnouncesThisHost() throws Exception {
        Config pekko = new ClusterNodeExtension().configure(config(Map.of(
            "troupe.cluster.enabled", true, "troupe.cluster.insecure", true,
            "troupe.cluster.bind", "0.0.0.0:25601",
            "troupe.cluster.secret-file", secretFile(SECRET).toString()))).orElseThrow();
        assertThat(pekko.getString("pekko.remote.artery.bind.hostname")).isEqualTo("0.0.0.0");
        assertThat(pekko.getString("pekko.remote.artery.canonical.hostname")).isEqualTo("<getHostAddress>");
    }

    @Test
    void badSettingsAreRefusedNamingTheSetting() throws Exception {
        String secret = secretFile(SECRET).toString();
        assertThatThrownBy(() -> configure(Map.of("troupe.cluster.seed-nodes", List.of("nohost"),
            "troupe.cluster.secret-file", secret)))
            .hasMessageContaining("troupe.cluster.seed-nodes").hasMessageContaining("'nohost' is not HOST:PORT");
        assertThatThrownBy(() -> configure(Map.of("troupe.cluster.seed-nodes", List.of("127.0.0.1:0"),
            "troupe.cluster.secret-file", secret)))
            .hasMessageContaining("troupe.cluster.seed-nodes").hasMessageContaining("out of range 1-65535");
        assertThatThrownBy(() -> configure(Map.of("troupe.cluster.enabled", true,
            "troupe.cluster.bind", "127.0.0.1:70000", "troupe.cluster.secret-file", secret)))
            .hasMessageContaining("troupe.cluster.bind").hasMessageContaining("70000");
        assertThatThrownBy(() -> configure(Map.of("troupe.cluster.enabled", true,
            "troupe.cluster.labels", List.of("dc-east"), "troupe.cluster.secret-file", secret)))
            .hasMessageContaining("troupe.cluster.labels").hasMessageContaining("dc-east");
    }

    @Test
    void aClusterWithoutASecretOrWithAWeakOneIsRefused() throws Exception {
        assertThatThrownBy(() -> configure(Map.of("troupe.cluster.enabled", true,
            "troupe.cluster.secret-env", "TROUPE_TEST_UNSET_SECRET_VARIABLE")))
            .hasMessageContaining("needs a shared secret").hasMessageContaining("TROUPE_TEST_UNSET_SECRET_VARIABLE");
        assertThatThrownBy(() -> configure(Map.of("troupe.cluster.enabled", true,
            "troupe.cluster.secret-file", secretFile("short").toString())))
            .hasMessageContaining("too short");
        Path shared = secretFile(SECRET);
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> configure(Map.of("troupe.cluster.enabled", true,
            "troupe.cluster.secret-file", shared.toString())))
            .hasMessageContaining("readable by other users").hasMessageContaining("chmod 600");
    }

    private Optional<Config> configure(Map<String, Object> settings) {
        return new ClusterNodeExtension().configure(config(settings));
    }

    private static Config config(Map<String, Object> settings) {
        return ConfigFactory.parseMap(settings).withFallback(ConfigFactory.defaultReference()).resolve();
    }

    private Path secretFile(String secret) throws Exception {
        Path f = Files.createTempFile(dir, "secret", "");
        Files.writeString(f, secret);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }

    /** An address of this machine that is not loopback, or a documentation address when it has none. */
    private static String nonLoopbackAddress() throws Exception {
        for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                if (!a.isLoopbackAddress() && a instanceof java.net.Inet4Address) {
                    return a.getHostAddress();
                }
            }
        }
        // Nothing binds to it: the check looks at the address only.
        return "192.0.2.10";
    }

    @Test
    void workersIsAutoOrACountAndTravelsAsARoleThatIsNoLabel() {
        ClusterSettings three = ClusterSettings.of(config(Map.of("troupe.cluster.enabled", "on",
            "troupe.cluster.workers", "3")));
        assertThat(three.workers).isEqualTo(3);
        assertThat(ClusterSettings.workersOf(java.util.Set.of("gpu", ClusterSettings.workersRole(3)))).isEqualTo(3);
        assertThat(ClusterSettings.workersOf(java.util.Set.of("gpu"))).isZero();
        assertThatThrownBy(() -> ClusterSettings.of(config(Map.of("troupe.cluster.workers", "many"))))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("troupe.cluster.workers")
            .hasMessageContaining("'many'");
        assertThatThrownBy(() -> ClusterSettings.of(config(Map.of("troupe.cluster.labels", List.of("troupe-x")))))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'troupe-'");
    }
}
