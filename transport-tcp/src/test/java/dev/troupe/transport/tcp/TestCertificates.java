package dev.troupe.transport.tcp;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate for 127.0.0.1 and its PKCS#8 key as PEM files, made with the JDK's keytool (no other
 * tool needed). Shared with the integration tests through this module's test jar.
 */
public final class TestCertificates {
    private TestCertificates() {
    }

    /**
     * @param dir where to write {@code node.crt} and {@code node.key} (owner-only).
     * @return {certificate, key}.
     * @throws Exception when keytool fails.
     */
    public static Path[] selfSigned(Path dir) throws Exception {
        Path store = dir.resolve("node.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process p = new ProcessBuilder(keytool, "-genkeypair", "-alias", "node", "-keyalg", "EC", "-groupname",
            "secp256r1", "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
            "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", "changeit")
            .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("keytool failed: " + out);
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(store)) {
            ks.load(in, "changeit".toCharArray());
        }
        Path cert = dir.resolve("node.crt");
        Path key = dir.resolve("node.key");
        Files.writeString(cert, pem("CERTIFICATE", ks.getCertificate("node").getEncoded()));
        Files.writeString(key, pem("PRIVATE KEY", ((PrivateKey) ks.getKey("node", "changeit".toCharArray()))
            .getEncoded()));
        Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Files.delete(store);
        return new Path[] {cert, key};
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
            + "\n-----END " + type + "-----\n";
    }
}
