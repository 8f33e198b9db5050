package dev.troupe.it;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Remote workers for tests: the shared secret, TLS material, and {@code dev.troupe.RemoteWorker} processes. */
final class Remote {
    static final String SECRET = "integration-test-secret-0123456789abcdef";
    /** A child JVM of a test (which may be killed) uses its parent's directory, named by this property. */
    static final String DIR_PROPERTY = "troupe.it.remote-dir";
    private static Path dir;

    private Remote() {
    }

    /** A directory for this JVM's secret and certificate files, removed at exit. */
    static synchronized Path dir() {
        if (dir == null && System.getProperty(DIR_PROPERTY) != null) {
            dir = Path.of(System.getProperty(DIR_PROPERTY));
        }
        if (dir == null) {
            try {
                dir = Files.createTempDirectory("troupe-it-remote",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Path d = dir;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                // Twice: a worker killed just before may still have been writing its log.
                for (int attempt = 0; attempt < 2 && Files.exists(d); attempt++) {
                    try (var files = Files.list(d)) {
                        for (Path p : files.toList()) {
                            Files.deleteIfExists(p);
                        }
                        Files.deleteIfExists(d);
                    } catch (IOException retry) {
                        try {
                            Thread.sleep(200);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
            }));
        }
        return dir;
    }

    /** The owner-only file holding {@link #SECRET}. */
    static Path secretFile() {
        return writeSecret("secret", SECRET);
    }

    static synchronized Path writeSecret(String name, String secret) {
        Path f = dir().resolve(name);
        try {
            if (!Files.exists(f)) {
                Files.writeString(f, secret + "\n", StandardCharsets.UTF_8);
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return f;
    }

    /** A node that takes remote workers on 127.0.0.1 (local workers over shm), with the given extra settings. */
    static Config nodeConfig(String listen, Map<String, Object> more) {
        Map<String, Object> m = new HashMap<>(more);
        m.put("troupe.tcp.listen", listen);
        m.put("troupe.tcp.secret-file", secretFile().toString());
        return ConfigFactory.parseMap(m);
    }

    /**
     * Starts {@code troupe worker --connect ADDRESS --secret-file FILE} as the README documents it, with this JVM's
     * class path (which holds the test tasks), its output in a file.
     */
    static Process startWorker(String address, Path secret, String... more) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java"));
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.troupe.RemoteWorker");
        cmd.add("--connect");
        cmd.add(address);
        cmd.add("--secret-file");
        cmd.add(secret.toString());
        cmd.addAll(List.of(more));
        Path log = Files.createTempFile(dir(), "worker", ".log");
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** What a worker started by {@link #startWorker} printed. */
    static String output(Process p) throws IOException {
        try (var files = Files.list(dir())) {
            for (Path f : files.filter(x -> x.getFileName().toString().startsWith("worker")).toList()) {
                String text = Files.readString(f);
                if (text.contains("-" + p.pid() + ":")) {
                    return text;
                }
            }
        }
        return "";
    }

    static void kill(List<Process> processes) throws InterruptedException {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        for (Process p : processes) {
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** A self-signed certificate (PEM) and its PKCS#8 key (PEM), made once for this JVM. */
    static synchronized Path[] certificate() throws Exception {
        Path cert = dir().resolve("node.crt");
        if (Files.exists(cert)) {
            return new Path[] {cert, dir().resolve("node.key")};
        }
        return dev.troupe.transport.tcp.TestCertificates.selfSigned(dir());
    }
}
