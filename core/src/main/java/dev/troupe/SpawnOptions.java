package dev.troupe;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How {@link Troupe#spawn(Task, Object, SpawnOptions)} starts its process. Fluent; not thread-safe.
 */
public final class SpawnOptions {
    private NodeSelector node;
    private final List<String> jvmOptions = new ArrayList<>();

    private SpawnOptions(NodeSelector node) {
        this.node = node;
    }

    /**
     * @return options for a process on this node.
     */
    public static SpawnOptions local() {
        return new SpawnOptions(null);
    }

    /**
     * @param node the cluster member to run on. That member starts the process (and owns it: it is killed there when
     *             this node leaves the cluster); it dials this node over Troupe's TCP link, and its handle works as a
     *             local one's: pid and host (on that member), {@code join}, {@code exitCode}, {@code kill},
     *             {@code result}. A process whose member is lost ends its result with a {@link NodeLostException}.
     * @return options for a process there.
     */
    public static SpawnOptions on(NodeSelector node) {
        return new SpawnOptions(Objects.requireNonNull(node, "node"));
    }

    /**
     * @param options extra JVM options for the process (heap size, system properties).
     * @return this.
     */
    public SpawnOptions jvmOptions(String... options) {
        jvmOptions.addAll(List.of(options));
        return this;
    }

    /** @return the member to run on, or {@code null} for this node. */
    public NodeSelector node() {
        return node;
    }

    /** @return the extra JVM options. */
    public List<String> jvmOptions() {
        return List.copyOf(jvmOptions);
    }
}
