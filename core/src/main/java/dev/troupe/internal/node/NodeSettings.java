package dev.troupe.internal.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.troupe.internal.codec.JavaSerialization;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * INTERNAL API. The {@code troupe} section of the configuration, read once.
 */
final class NodeSettings {
    final String transport;
    final String runDirectory;
    final int maxFrameBytes;
    final int maxPendingWriteBytes;
    final Duration heartbeatInterval;
    final Duration livenessTimeout;
    final Duration handshakeTimeout;
    final String workerJava;
    final String workerClasspath;
    final List<String> workerJvmOptions;
    final Duration startTimeout;
    final Duration stopGrace;
    /** {@code troupe.worker.idle-spin}: how long an idle worker polls for its next task before it parks. */
    final Duration workerIdleSpin;
    /** {@code troupe.worker.class-data-sharing}: whether workers start from a class-data archive Troupe keeps. */
    final boolean classDataSharing;
    /** {@code troupe.worker.class-data-directory}: where those archives live; empty for the per-user default. */
    final String classDataDirectory;
    /** {@code troupe.worker.spares}: how many started, idle workers the node keeps for spawns and new pools. */
    final int workerSpares;
    final boolean javaValues;
    final String serialFilter;
    final long maxDecodeNanos;
    /** {@code troupe.tcp.listen}: where remote workers dial in; empty when the node takes none. */
    final String remoteListen;
    private final Config root;
    private static final List<String> INHERITED_SECTIONS = List.of("shared");
    private static final String NO_FUTEX = "shm.no-futex";

    NodeSettings(Config root) {
        Config c = root.getConfig("troupe");
        transport = c.getString("transport");
        runDirectory = c.getString("run-directory");
        maxFrameBytes = (int) Math.min(Integer.MAX_VALUE - 8, c.getBytes("max-frame-size"));
        maxPendingWriteBytes = (int) Math.min(Integer.MAX_VALUE - 8, c.getBytes("max-pending-write"));
        heartbeatInterval = c.getDuration("heartbeat-interval");
        livenessTimeout = c.getDuration("liveness-timeout");
        handshakeTimeout = c.getDuration("handshake-timeout");
        workerJava = c.getString("worker.java");
        workerClasspath = c.getString("worker.classpath");
        workerJvmOptions = List.copyOf(c.getStringList("worker.jvm-options"));
        startTimeout = c.getDuration("worker.start-timeout");
        stopGrace = c.getDuration("worker.stop-grace");
        workerIdleSpin = c.getDuration("worker.idle-spin");
        if (workerIdleSpin.isNegative()) {
            throw new IllegalArgumentException("troupe.worker.idle-spin must not be negative: " + workerIdleSpin);
        }
        classDataSharing = c.getBoolean("worker.class-data-sharing");
        classDataDirectory = c.getString("worker.class-data-directory").trim();
        workerSpares = c.getInt("worker.spares");
        if (workerSpares < 0) {
            throw new IllegalArgumentException("troupe.worker.spares must not be negative: " + workerSpares);
        }
        javaValues = c.getBoolean("serialization.java-values");
        String filter = c.getString("serialization.filter");
        serialFilter = filter.isBlank() ? JavaSerialization.DEFAULT_FILTER : filter;
        maxDecodeNanos = c.getDuration("serialization.max-decode-time").toNanos();
        if (maxDecodeNanos < 0) {
            throw new IllegalArgumentException("troupe.serialization.max-decode-time must not be negative: "
                + c.getDuration("serialization.max-decode-time"));
        }
        remoteListen = c.hasPath("tcp.listen") ? c.getString("tcp.listen").trim() : "";
        this.root = c;
    }

    /**
     * The settings every worker this node starts inherits, whatever its transport, by full path: those that code
     * with no node at hand reads from {@link dev.troupe.spi.support.ProcessConfig} in the worker and must agree
     * with the node's (the directory of named shared objects, whether futexes are used).
     */
    Map<String, String> inheritedSettings() {
        Map<String, String> out = new TreeMap<>();
        for (String section : INHERITED_SECTIONS) {
            for (Map.Entry<String, String> e : transportOptions(section).entrySet()) {
                out.put("troupe." + section + "." + e.getKey(), e.getValue());
            }
        }
        if (root.hasPath(NO_FUTEX)) {
            out.put("troupe." + NO_FUTEX, String.valueOf(root.getValue(NO_FUTEX).unwrapped()));
        }
        return out;
    }

    /**
     * The options of one transport: its {@code troupe.<name>} section flattened to {@code key -> value}
     * ({@code tls.cert}), empty when the section does not exist.
     */
    Map<String, String> transportOptions(String name) {
        Map<String, String> out = new TreeMap<>();
        if (root.hasPath(name) && root.getValue(name).valueType() == ConfigValueType.OBJECT) {
            for (Map.Entry<String, ConfigValue> e : root.getConfig(name).entrySet()) {
                Object v = e.getValue().unwrapped();
                if (!(v instanceof List) && !(v instanceof Map)) {
                    out.put(e.getKey(), String.valueOf(v));
                }
            }
        }
        return out;
    }
}
