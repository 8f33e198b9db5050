package dev.troupe.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import org.apache.pekko.cluster.ConfigValidation;
import org.apache.pekko.cluster.Invalid;
import org.apache.pekko.cluster.Valid;
import org.junit.jupiter.api.Test;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The secret id (digest of the cluster secret) and the join check that compares it.
 */
class SecretIdCheckerTest {

    @Test
    void theSecretIdIsTheHexSha256OfTheDomainTagAndTheSecret() throws Exception {
        byte[] secret = "cluster-secret-0123456789".getBytes(StandardCharsets.UTF_8);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update("dev.troupe.cluster/secret-id/v1\0".getBytes(StandardCharsets.UTF_8));
        String expected = HexFormat.of().formatHex(sha.digest(secret));
        assertThat(ClusterSecret.secretId(secret)).isEqualTo(expected).hasSize(64)
            .isNotEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret)));
        assertThat(ClusterSecret.secretId("cluster-secret-0123456788".getBytes(StandardCharsets.UTF_8)))
            .isNotEqualTo(expected);
    }

    @Test
    void theCheckerAsksForTheSecretIdOnly() {
        assertThat(CollectionConverters.asJava(new SecretIdChecker().requiredKeys()))
            .containsExactly("troupe.cluster.secret-id");
    }

    @Test
    void sameSecretIdIsValid() {
        assertThat(check(id("aa"), id("aa"))).isSameAs(Valid.getInstance());
    }

    @Test
    void anotherSecretIdIsRefusedWithAMessageNamingTheSetting() {
        ConfigValidation result = check(id("aa"), id("bb"));
        assertThat(result).isInstanceOf(Invalid.class);
        assertThat(CollectionConverters.asJava(((Invalid) result).errorMessages()))
            .singleElement().asString().contains("troupe.cluster.secret-id differs").doesNotContain("aa")
            .doesNotContain("bb");
    }

    @Test
    void aNodeWithoutSecretIdIsRefused() {
        ConfigValidation result = check(ConfigFactory.empty(), id("aa"));
        assertThat(result).isInstanceOf(Invalid.class);
        assertThat(CollectionConverters.asJava(((Invalid) result).errorMessages()))
            .singleElement().asString().contains("missing");
    }

    private static ConfigValidation check(Config joining, Config cluster) {
        return new SecretIdChecker().check(joining, cluster);
    }

    private static Config id(String secretId) {
        return ConfigFactory.parseMap(Map.of("troupe.cluster.secret-id", secretId));
    }
}
