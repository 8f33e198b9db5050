package dev.troupe.internal.node;

import com.typesafe.config.Config;
import dev.troupe.internal.codec.JavaSerialization;
import java.time.Duration;
import java.util.List;

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
    final boolean javaValues;
    final String serialFilter;

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
        javaValues = c.getBoolean("serialization.java-values");
        String filter = c.getString("serialization.filter");
        serialFilter = filter.isBlank() ? JavaSerialization.DEFAULT_FILTER : filter;
    }
}
