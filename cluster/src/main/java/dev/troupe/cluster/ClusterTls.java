package dev.troupe.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.troupe.spi.support.SecretFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.pekko.pki.pem.DERPrivateKeyLoader;
import org.apache.pekko.pki.pem.PEMDecoder;

/**
 * The {@code troupe.cluster.tls} settings: mutually authenticated TLS between nodes on Pekko Artery's
 * {@code tls-tcp} transport, with Pekko's PEM-based {@code RotatingKeysSSLEngineProvider}. Immutable.
 *
 * <p>What Pekko's provider reads, and so what {@link #check()} accepts: an RSA private key in PKCS#1 or unencrypted
 * PKCS#8 PEM form (no EC keys), the node's certificate (the first one of its file) issued directly by the CA of
 * {@code trust} (no intermediate CA), and one CA certificate (the first one of its file). Every node presents its
 * certificate and checks the other's (mutual authentication, always on with this provider); after the handshake
 * both sides also check that their certificates share a subject name (CN or DNS SAN).
 */
final class ClusterTls {
    static final String PATH = ClusterSettings.PATH + ".tls";
    static final String PROVIDER = "org.apache.pekko.remote.artery.tcp.ssl.RotatingKeysSSLEngineProvider";
    private static final String ENGINE = "pekko.remote.artery.ssl.rotating-keys-engine";

    final boolean enabled;
    /** The node's PEM certificate; {@code null} when TLS is off. */
    final Path cert;
    /** The node's PEM private key; {@code null} when TLS is off. */
    final Path key;
    /** The PEM certificate of the CA the node trusts; {@code cert} when not set; {@code null} when TLS is off. */
    final Path trust;

    private ClusterTls(boolean enabled, Path cert, Path key, Path trust) {
        this.enabled = enabled;
        this.cert = cert;
        this.key = key;
        this.trust = trust;
    }

    /**
     * Reads {@code troupe.cluster.tls} (no file is opened here; see {@link #check()}).
     *
     * @param cluster the {@code troupe.cluster} section.
     * @throws IllegalArgumentException naming the setting, when TLS is on and the certificate or key is not set.
     */
    static ClusterTls of(Config cluster) {
        boolean enabled;
        String cert;
        String key;
        String trust;
        try {
            enabled = cluster.getBoolean("tls.enabled");
            cert = cluster.getString("tls.cert").trim();
            key = cluster.getString("tls.key").trim();
            trust = cluster.getString("tls.trust").trim();
        } catch (ConfigException e) {
            throw new IllegalArgumentException(PATH + ": " + e.getMessage(), e);
        }
        if (!enabled) {
            return new ClusterTls(false, null, null, null);
        }
        if (cert.isEmpty() || key.isEmpty()) {
            throw new IllegalArgumentException(PATH + ".enabled is on but " + (cert.isEmpty() ? PATH + ".cert" : "")
                + (cert.isEmpty() && key.isEmpty() ? " and " : "") + (key.isEmpty() ? PATH + ".key" : "")
                + (cert.isEmpty() && key.isEmpty() ? " are" : " is") + " not set: name this node's PEM certificate"
                + " and its RSA private key (and in " + PATH + ".trust the certificate of the CA that signed every"
                + " node's certificate)");
        }
        Path certPath = absolute(cert);
        return new ClusterTls(true, certPath, absolute(key), trust.isEmpty() ? certPath : absolute(trust));
    }

    private static Path absolute(String file) {
        return Path.of(file).toAbsolutePath().normalize();
    }

    /**
     * Checks the files as Pekko will read them, so that a mistake stops the node at start, naming the setting,
     * rather than failing every connection later. Does nothing when TLS is off.
     *
     * @return warnings about settings that will start but are unlikely to work (the node's certificate is not
     *         issued by the CA it trusts, say), to be logged.
     * @throws IllegalArgumentException naming the setting and the file, when a file is missing, unreadable, not in
     *                                  a form Pekko reads, the key is readable by others or does not belong to the
     *                                  certificate, or the certificate is outside its validity period.
     */
    List<String> check() {
        List<String> warnings = new ArrayList<>();
        if (!enabled) {
            return warnings;
        }
        List<X509Certificate> certs = certificates(cert, PATH + ".cert");
        List<X509Certificate> cas = certificates(trust, PATH + ".trust");
        X509Certificate own = certs.get(0);
        X509Certificate ca = cas.get(0);
        SecretFiles.checkOwnerOnly(key, "the cluster's TLS private key " + key + " (" + PATH + ".key)");
        PrivateKey privateKey = privateKey();
        if (!(own.getPublicKey() instanceof RSAPublicKey rsa)
            || !rsa.getModulus().equals(((RSAPrivateKey) privateKey).getModulus())) {
            throw new IllegalArgumentException(PATH + ".key: the private key in " + key + " does not belong to the"
                + " certificate in " + cert + " (" + PATH + ".cert, subject " + own.getSubjectX500Principal() + ")");
        }
        try {
            own.checkValidity();
        } catch (CertificateException e) {
            throw new IllegalArgumentException(PATH + ".cert: the certificate in " + cert + " is valid only from "
                + own.getNotBefore() + " to " + own.getNotAfter() + ": " + e.getMessage(), e);
        }
        try {
            own.verify(ca.getPublicKey());
        } catch (GeneralSecurityException e) {
            warnings.add(PATH + ".cert: the certificate in " + cert + " (issuer " + own.getIssuerX500Principal()
                + ") is not signed by the CA certificate in " + trust + " (" + PATH + ".trust, subject "
                + ca.getSubjectX500Principal() + "); nodes that trust that CA will refuse this node. Pekko's TLS"
                + " provider needs node certificates issued directly by that CA, with no intermediate CA");
        }
        if (certs.size() > 1) {
            warnings.add(PATH + ".cert: " + cert + " holds " + certs.size() + " certificates; only the first one"
                + " (this node's) is sent: Pekko's TLS provider sends no intermediate CA certificates");
        }
        if (cas.size() > 1) {
            warnings.add(PATH + ".trust: " + trust + " holds " + cas.size() + " certificates; only the first one ("
                + ca.getSubjectX500Principal() + ") is trusted: Pekko's TLS provider trusts one CA");
        }
        return warnings;
    }

    private static List<X509Certificate> certificates(Path file, String setting) {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalArgumentException(setting + ": " + file + " does not exist or is not a readable file");
        }
        Collection<? extends Certificate> read;
        try (InputStream in = Files.newInputStream(file)) {
            read = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (IOException | CertificateException e) {
            throw new IllegalArgumentException(setting + ": " + file + " is not a PEM X.509 certificate: "
                + e.getMessage(), e);
        }
        List<X509Certificate> out = new ArrayList<>();
        for (Certificate c : read) {
            out.add((X509Certificate) c);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(setting + ": " + file + " is not a PEM X.509 certificate: it holds"
                + " none");
        }
        return out;
    }

    /** Reads the key with Pekko's own PEM reader, the one its TLS provider uses. */
    private PrivateKey privateKey() {
        String text;
        try {
            text = Files.readString(key, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException(PATH + ".key: cannot read " + key + ": " + e.getMessage(), e);
        }
        PrivateKey k;
        try {
            k = DERPrivateKeyLoader.load(PEMDecoder.decode(text));
        } catch (Exception e) {
            // Not only PEMLoadingException: the Scala code throws checked exceptions (InvalidKeySpecException for an
            // EC key) without declaring them.
            throw notReadable(e);
        }
        if (!(k instanceof RSAPrivateKey)) {
            throw notReadable(null);
        }
        return k;
    }

    private IllegalArgumentException notReadable(Exception cause) {
        return new IllegalArgumentException(PATH + ".key: " + key + " is not an RSA private key in PKCS#1 (BEGIN RSA"
            + " PRIVATE KEY) or unencrypted PKCS#8 (BEGIN PRIVATE KEY) PEM form, the only keys Pekko's TLS provider"
            + " reads (EC and encrypted keys are not)" + (cause == null ? "" : ": " + cause), cause);
    }

    /** Adds the Artery settings of this TLS setup to {@code s}; nothing when TLS is off. */
    void addPekkoSettings(Map<String, Object> s) {
        if (!enabled) {
            return;
        }
        s.put("pekko.remote.artery.transport", "tls-tcp");
        s.put("pekko.remote.artery.ssl.ssl-engine-provider", PROVIDER);
        s.put(ENGINE + ".key-file", key.toString());
        s.put(ENGINE + ".cert-file", cert.toString());
        s.put(ENGINE + ".ca-cert-file", trust.toString());
    }
}
