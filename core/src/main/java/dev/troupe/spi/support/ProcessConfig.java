package dev.troupe.spi.support;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.troupe.internal.WorkerLaunch;
import java.util.Map;
import java.util.TreeMap;

/**
 * The configuration of code that has no node's configuration at hand: named shared objects opened in any
 * process, and the futex binding. Loaded once, on first use, so that a worker that never uses them never loads
 * the configuration library. Layers, first wins: this JVM's system properties, the settings its node handed it
 * in {@link #ENV_INHERITED} (a worker started by a node), then {@code ConfigFactory.load()}
 * ({@code application.conf} over every module's {@code reference.conf}). Thread-safe.
 */
public final class ProcessConfig {
    /**
     * Environment variable: settings a node hands to the workers it starts, one {@code troupe.key=value} a line,
     * so that a worker opens the same shared-object directory as its node (see {@link #encode}).
     */
    public static final String ENV_INHERITED = "TROUPE_INHERITED_SETTINGS";

    private ProcessConfig() {
    }

    /**
     * @return the configuration, loaded on the first call.
     * @throws com.typesafe.config.ConfigException when a configuration file cannot be parsed.
     */
    public static Config get() {
        return Holder.CONFIG;
    }

    /**
     * Loads the configuration from the given layers; {@link #get()} uses this JVM's.
     *
     * @param inherited the text of {@link #ENV_INHERITED}, or {@code null}.
     * @return the configuration.
     */
    static Config load(String inherited) {
        Config handed = ConfigFactory.parseMap(decode(inherited), "settings inherited from the node ("
            + ENV_INHERITED + ")");
        // The system properties as they are now: ConfigFactory caches its own view from its first use.
        Config properties = ConfigFactory.parseProperties(System.getProperties());
        return properties.withFallback(handed).withFallback(ConfigFactory.load()).resolve();
    }

    /**
     * Encodes settings for {@link #ENV_INHERITED}.
     *
     * @param settings full paths ({@code troupe.shared.directory}) to the text of their values.
     * @return the text.
     * @throws IllegalArgumentException when a key or value holds a line break.
     */
    public static String encode(Map<String, String> settings) {
        return WorkerLaunch.encodeOptions(new TreeMap<>(settings));
    }

    static Map<String, String> decode(String text) {
        return WorkerLaunch.decodeOptions(text);
    }

    /** Lazy holder: the configuration is loaded by the first {@link #get()}, not when this class loads. */
    private static final class Holder {
        static final Config CONFIG = load(System.getenv(ENV_INHERITED));
    }
}
