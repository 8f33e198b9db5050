package dev.troupe.spi;

import dev.troupe.Placement;
import dev.troupe.ProcessState;
import dev.troupe.ProcessStats;
import java.util.List;
import java.util.Objects;

/**
 * What a node runs at one moment: its processes and its pools, as {@link NodeExtension.Context#snapshot()} reads
 * them for status views (such as {@code troupe status}). Immutable.
 *
 * @param processes the processes this node started or took as workers and that have not exited.
 * @param pools     the pools open on this node.
 */
public record NodeSnapshot(List<ProcessEntry> processes, List<PoolEntry> pools) {

    /**
     * @param processes the processes; copied.
     * @param pools     the pools; copied.
     */
    public NodeSnapshot {
        processes = List.copyOf(processes);
        pools = List.copyOf(pools);
    }

    /** What a process is to its node. */
    public enum Role {
        /** A worker of one of this node's pools, run by this node. */
        POOL_WORKER,
        /** A worker of one of this node's pools that another cluster member runs for it: no figures here. */
        LENT,
        /** A worker of one of this node's pools that dialled in ({@code troupe.tcp.listen}) from its own host. */
        REMOTE,
        /** A worker started by {@code Troupe.spawn}, here or, when lent, on another member. */
        SPAWNED,
        /** An executable started by {@code Troupe.exec}. */
        EXECUTABLE
    }

    /**
     * One process.
     *
     * @param id     its id on this node, such as {@code w-3} or {@code x-1}.
     * @param pid    its process id on the host that runs it; -1 while not known.
     * @param host   that host: {@code localhost}, or the host of a remote or lent worker.
     * @param role   what it is to this node.
     * @param pool   for a pool's worker, the pool's name; else {@code null}.
     * @param lender for a worker another member runs for this node, that member's id; else {@code null}.
     * @param state  its state.
     * @param stats  its CPU time and resident memory; {@code null} when not read here (a lent worker, one that
     *               exited meanwhile). A remote worker's CPU time is as it last reported and its memory is -1.
     */
    public record ProcessEntry(String id, long pid, String host, Role role, String pool, String lender,
                               ProcessState state, ProcessStats stats) {
        /**
         * @param id     the id.
         * @param pid    the pid.
         * @param host   the host.
         * @param role   the role.
         * @param pool   the pool, or {@code null}.
         * @param lender the lending member, or {@code null}.
         * @param state  the state.
         * @param stats  the figures, or {@code null}.
         */
        public ProcessEntry {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(role, "role");
            Objects.requireNonNull(state, "state");
        }
    }

    /**
     * One pool.
     *
     * @param name      its name on this node, such as {@code pool-1}.
     * @param placement where it places its workers.
     * @param workers   the workers it has now, here and on other nodes.
     * @param lent      how many of those other cluster members run for it.
     * @param inFlight  the tasks (chunks) sent to its workers and not yet answered.
     */
    public record PoolEntry(String name, Placement placement, int workers, int lent, int inFlight) {
        /**
         * @param name      the name.
         * @param placement the placement.
         * @param workers   the worker count.
         * @param lent      the lent worker count.
         * @param inFlight  the tasks in flight.
         */
        public PoolEntry {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(placement, "placement");
        }
    }
}
