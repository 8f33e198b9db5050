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
        return List.of("pipe", "shm");
    }

    static Troupe start(String transport) {
        return Troupe.local(ConfigFactory.parseMap(Map.of("troupe.transport", transport)));
    }

    /** The run directory, read from the node's pipe address or the run-directory the node reports. */
    static Path runDirectory(Troupe troupe) {
        String address = troupe.address();
        return Path.of(address.substring(address.indexOf(':') + 1)).getParent();
    }
}
