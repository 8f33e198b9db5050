package dev.troupe.cluster;

import dev.troupe.spi.support.SecretFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The cluster's shared secret, read as {@code troupe.tcp} reads its own (an owner-only file, or an environment
 * variable), and the digest that stands for it in configuration. The secret itself never leaves this class: not
 * into a configuration, a message or a log line.
 */
final class ClusterSecret {
    /** Shorter secrets are refused, as by the TCP transport. */
    static final int MIN_SECRET_BYTES = 16;
    /**
     * Put before the secret in the digest, so that the digest of a secret used elsewhere (an HMAC key of the TCP
     * transport, say) is not this one.
     */
    static final String DOMAIN_TAG = "dev.troupe.cluster/secret-id/v1\0";

    private ClusterSecret() {
    }

    /**
     * The hex SHA-256 of {@link #DOMAIN_TAG} and the secret named by the settings.
     *
     * @throws IllegalArgumentException when no secret is set, the file is missing, readable by others or the
     *                                  secret is too short; the message says which source and how to fix it.
     */
    static String secretId(ClusterSettings settings) {
        byte[] secret = read(settings);
        try {
            return secretId(secret);
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    /** The hex SHA-256 of {@link #DOMAIN_TAG} and {@code secret}. */
    static String secretId(byte[] secret) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(DOMAIN_TAG.getBytes(StandardCharsets.UTF_8));
            sha.update(secret);
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static byte[] read(ClusterSettings settings) {
        String key = ClusterSettings.PATH;
        String text;
        String source;
        if (!settings.secretFile.isEmpty()) {
            Path path = Path.of(settings.secretFile);
            source = "secret file " + path + " (" + key + ".secret-file)";
            SecretFiles.checkOwnerOnly(path, "the cluster's " + source);
            try {
                text = Files.readString(path, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read the cluster's " + source + ": " + e.getMessage(), e);
            }
        } else {
            String env = settings.secretEnv;
            source = "environment variable " + env + " (" + key + ".secret-env)";
            text = env.isEmpty() ? null : System.getenv(env);
            if (text == null || text.isBlank()) {
                throw new IllegalArgumentException("a Troupe cluster needs a shared secret, and none is set: put one"
                    + " (at least " + MIN_SECRET_BYTES + " characters, for example from `openssl rand -hex 32`) in an"
                    + " owner-only file named by " + key + ".secret-file, or in the environment variable "
                    + (env.isEmpty() ? "named by " + key + ".secret-env" : env) + "; never on the command line."
                    + " Every node of one cluster has the same secret");
            }
        }
        byte[] secret = text.strip().getBytes(StandardCharsets.UTF_8);
        if (secret.length < MIN_SECRET_BYTES) {
            Arrays.fill(secret, (byte) 0);
            throw new IllegalArgumentException("the cluster secret from the " + source + " is too short; at least "
                + MIN_SECRET_BYTES + " bytes are needed");
        }
        return secret;
    }
}
