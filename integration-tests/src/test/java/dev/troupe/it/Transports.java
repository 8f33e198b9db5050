package dev.troupe.it;

import com.typesafe.config.ConfigFactory;
import dev.troupe.Troupe;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The transports every process test runs over. Add a name here and every parameterized test runs on it. */
final class Transports {
    private Transports() {
    }

    static List<String> names() {
        return List.of("pipe", "shm", "tcp");
    }

    static Troupe start(String transport) {
        return start(transport, Map.of());
    }

    /** A node whose local workers use {@code transport}, with more settings. */
    static Troupe start(String transport, Map<String, Object> settings) {
        Map<String, Object> all = new java.util.HashMap<>(settings);
        all.put("troupe.transport", transport);
        if (transport.equals("tcp")) {
            // The TCP transport authenticates every link with a shared secret.
            all.put("troupe.tcp.secret-file", Remote.secretFile().toString());
        }
        return Troupe.local(ConfigFactory.parseMap(all));
    }

    /** The run directory, read from the node's pipe address or the run-directory the node reports. */
    static Path runDirectory(Troupe troupe) {
        if (troupe.address().startsWith("tcp:")) {
            // No socket file names it: it is this JVM's one troupe-PID-* directory (tests run one node at a time).
            String prefix = "troupe-" + ProcessHandle.current().pid() + "-";
            try (var dirs = java.nio.file.Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
                List<Path> mine = dirs.filter(p -> p.getFileName().toString().startsWith(prefix)).toList();
                if (mine.size() != 1) {
                    throw new IllegalStateException("expected one run directory " + prefix + "*, found " + mine);
                }
                return mine.get(0);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        String address = troupe.address();
        return Path.of(address.substring(address.indexOf(':') + 1)).getParent();
    }
}
