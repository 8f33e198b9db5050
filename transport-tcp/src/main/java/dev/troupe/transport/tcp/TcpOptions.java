package dev.troupe.transport.tcp;

import dev.troupe.spi.TransportSettings;
import dev.troupe.spi.support.OptionValues;
import dev.troupe.spi.support.SecretFiles;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The {@code troupe.tcp} options a link or server needs, read from {@link TransportSettings#options()} once.
 * The keys are those of the {@code troupe.tcp} configuration section (see this module's {@code reference.conf}).
 */
final class TcpOptions {
    /** The environment variable the secret is read from when no file is configured. */
    static final String DEFAULT_SECRET_ENV = "TROUPE_SECRET";
    /** Shorter secrets are refused: an HMAC key is only as strong as the secret. */
    static final int MIN_SECRET_BYTES = 16;

    final byte[] secret;
    final String listenHost;
    final int listenPort;
    final int maxConnections;
    final int maxUnauthenticated;
    final Duration handshakeTimeout;
    final Duration idleTimeout;
    final Duration connectTimeout;
    final boolean tls;
    private final String tlsCert;
    private final String tlsKey;
    private final String tlsTrust;

    private TcpOptions(TransportSettings s) throws IOException {
        secret = readSecret(s);
        String listen = s.option("listen", "127.0.0.1:0");
        int colon = listen.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("troupe.tcp.listen must be HOST:PORT, got '" + listen + "'");
        }
        listenHost = listen.substring(0, colon).isEmpty() ? "0.0.0.0" : stripBrackets(listen.substring(0, colon));
        listenPort = Integer.parseInt(listen.substring(colon + 1).trim());
        maxConnections = Integer.parseInt(s.option("max-connections", "256"));
        maxUnauthenticated = Integer.parseInt(s.option("max-unauthenticated", "64"));
        OptionValues values = new OptionValues(s.options(), "troupe.tcp");
        handshakeTimeout = values.duration("handshake-timeout", Duration.ofSeconds(10));
        idleTimeout = values.duration("idle-timeout", Duration.ofSeconds(30));
        connectTimeout = values.duration("connect-timeout", Duration.ofSeconds(10));
        tls = values.flag("tls.enabled", false);
        tlsCert = s.option("tls.cert", "");
        tlsKey = s.option("tls.key", "");
        tlsTrust = s.option("tls.trust", tlsCert);
    }

    static TcpOptions of(TransportSettings settings) throws IOException {
        return new TcpOptions(settings);
    }

    /** The server's TLS context, or {@code null} without TLS. */
    SslContext serverTls() throws IOException {
        if (!tls) {
            return null;
        }
        if (tlsCert.isEmpty() || tlsKey.isEmpty()) {
            throw new IOException("troupe.tcp.tls.enabled is on but troupe.tcp.tls.cert and troupe.tcp.tls.key (PEM"
                + " files: a certificate chain and its PKCS#8 private key) are not both set");
        }
        return SslContextBuilder.forServer(Path.of(tlsCert).toFile(), Path.of(tlsKey).toFile()).build();
    }

    /** The client's TLS context, trusting only the configured certificate (by default the node's own), or null. */
    SslContext clientTls() throws IOException {
        if (!tls) {
            return null;
        }
        if (tlsTrust.isEmpty()) {
            throw new IOException("troupe.tcp.tls.enabled is on but neither troupe.tcp.tls.trust nor"
                + " troupe.tcp.tls.cert names the PEM certificate to trust");
        }
        return SslContextBuilder.forClient().trustManager(Path.of(tlsTrust).toFile()).build();
    }

    private static byte[] readSecret(TransportSettings s) throws IOException {
        String file = s.option("secret-file", "");
        String text;
        String source;
        if (!file.isEmpty()) {
            Path path = Path.of(file);
            source = "secret file " + path;
            try {
                SecretFiles.checkOwnerOnly(path, "the TCP transport's secret file " + path
                    + " (troupe.tcp.secret-file)");
            } catch (IllegalArgumentException e) {
                throw new IOException(e.getMessage(), e);
            }
            text = Files.readString(path, StandardCharsets.UTF_8);
        } else {
            String env = s.option("secret-env", DEFAULT_SECRET_ENV);
            source = "environment variable " + env;
            text = System.getenv(env);
            if (text == null || text.isBlank()) {
                throw new IOException("the TCP transport needs a shared secret, and none is set: put one (at least "
                    + MIN_SECRET_BYTES + " characters, for example from `openssl rand -hex 32`) in an owner-only file"
                    + " named by troupe.tcp.secret-file (or --secret-file), or in the environment variable " + env
                    + "; never on the command line");
            }
        }
        byte[] secret = text.strip().getBytes(StandardCharsets.UTF_8);
        if (secret.length < MIN_SECRET_BYTES) {
            throw new IOException("the TCP secret from the " + source + " is " + secret.length + " bytes; at least "
                + MIN_SECRET_BYTES + " are needed");
        }
        return secret;
    }

    private static String stripBrackets(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }
}
