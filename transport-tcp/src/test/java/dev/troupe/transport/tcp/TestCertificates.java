package dev.troupe.transport.tcp;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates and PKCS#8 keys as PEM files, made with the JDK's keytool (no other tool needed): a self-signed
 * certificate for 127.0.0.1, or a CA and certificates it signs. Shared with the integration tests and the cluster
 * module's tests through this module's test jar.
 */
public final class TestCertificates {
    private static final String PASS = "changeit";

    private TestCertificates() {
    }

    /**
     * A CA made for a test.
     *
     * @param cert     its PEM certificate.
     * @param keyStore the PKCS#12 store (password {@code changeit}, alias {@code ca}) that holds its key, for
     *                 {@link #signed}.
     */
    public record Authority(Path cert, Path keyStore) {
    }

    /**
     * @param dir where to write {@code node.crt} and {@code node.key} (owner-only).
     * @return {certificate, key}: an EC key.
     * @throws Exception when keytool fails.
     */
    public static Path[] selfSigned(Path dir) throws Exception {
        Path store = dir.resolve("node.p12");
        keytool("-genkeypair", "-alias", "node", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1",
            "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype", "PKCS12",
            "-keystore", store.toString(), "-storepass", PASS);
        Path[] out = export(store, "node", dir.resolve("node.crt"), dir.resolve("node.key"));
        Files.delete(store);
        return out;
    }

    /**
     * A CA with an RSA key.
     *
     * @param dir  where to write {@code NAME-ca.crt} and {@code NAME-ca.p12}.
     * @param name its common name.
     * @throws Exception when keytool fails.
     */
    public static Authority authority(Path dir, String name) throws Exception {
        Path store = dir.resolve(name + "-ca.p12");
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=" + name,
            "-ext", "bc:c", "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(),
            "-storepass", PASS);
        Path cert = dir.resolve(name + "-ca.crt");
        KeyStore ks = load(store);
        Files.writeString(cert, pem("CERTIFICATE", ks.getCertificate("ca").getEncoded()));
        return new Authority(cert, store);
    }

    /**
     * An RSA key and a certificate for it signed by {@code ca}, for TLS servers and clients alike, with the subject
     * alternative names {@code dnsNames} and IP 127.0.0.1.
     *
     * @param dir      where to write {@code NAME.crt} and {@code NAME.key} (PKCS#8, owner-only).
     * @param name     the certificate's common name and the files' name.
     * @param ca       the signer.
     * @param dnsNames DNS subject alternative names.
     * @return {certificate, key}.
     * @throws Exception when keytool fails.
     */
    public static Path[] signed(Path dir, String name, Authority ca, String... dnsNames) throws Exception {
        Path store = dir.resolve(name + ".p12");
        Path request = dir.resolve(name + ".csr");
        Path cert = dir.resolve(name + ".crt");
        keytool("-genkeypair", "-alias", "node", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=" + name,
            "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", PASS);
        keytool("-certreq", "-alias", "node", "-keystore", store.toString(), "-storepass", PASS,
            "-file", request.toString());
        List<String> san = new ArrayList<>();
        for (String dns : dnsNames) {
            san.add("dns:" + dns);
        }
        san.add("ip:127.0.0.1");
        keytool("-gencert", "-alias", "ca", "-keystore", ca.keyStore().toString(), "-storepass", PASS,
            "-infile", request.toString(), "-outfile", cert.toString(), "-rfc", "-validity", "2",
            "-ext", "SAN=" + String.join(",", san), "-ext", "KU=digitalSignature,keyEncipherment",
            "-ext", "EKU=serverAuth,clientAuth");
        Path key = dir.resolve(name + ".key");
        writeKey(key, (PrivateKey) load(store).getKey("node", PASS.toCharArray()));
        // Rewritten as this class writes PEM, keytool's header lines aside.
        try (var in = Files.newInputStream(cert)) {
            byte[] der = CertificateFactory.getInstance("X.509").generateCertificate(in).getEncoded();
            Files.writeString(cert, pem("CERTIFICATE", der));
        }
        Files.delete(store);
        Files.delete(request);
        return new Path[] {cert, key};
    }

    private static Path[] export(Path store, String alias, Path cert, Path key) throws Exception {
        KeyStore ks = load(store);
        Files.writeString(cert, pem("CERTIFICATE", ks.getCertificate(alias).getEncoded()));
        writeKey(key, (PrivateKey) ks.getKey(alias, PASS.toCharArray()));
        return new Path[] {cert, key};
    }

    private static void writeKey(Path key, PrivateKey k) throws Exception {
        Files.writeString(key, pem("PRIVATE KEY", k.getEncoded()));
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    }

    private static KeyStore load(Path store) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(store)) {
            ks.load(in, PASS.toCharArray());
        }
        return ks;
    }

    private static void keytool(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        // A short-lived JVM: start it lean.
        cmd.addAll(List.of("-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: " + out);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
            + "\n-----END " + type + "-----\n";
    }
}
