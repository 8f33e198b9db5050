/**
 * The public API: run work in other operating-system processes.
 *
 * <p>A {@link dev.troupe.Troupe} is a node, opened with {@link dev.troupe.Troupe#local()} and closed with
 * {@link dev.troupe.Troupe#close()}, which stops every process it started. From it come a
 * {@link dev.troupe.WorkerProcess} that runs one {@link dev.troupe.Task} in a worker JVM
 * ({@code multiprocessing.Process}), a {@link dev.troupe.Pool} of worker JVMs configured by
 * {@link dev.troupe.PoolOptions} ({@code multiprocessing.Pool}), and a {@link dev.troupe.ManagedProcess} for any
 * other program. Tasks and their values must cross a process boundary: tasks are {@code Serializable}, values go
 * through built-in codecs or Java serialization.
 *
 * <p>Failures are exceptions under {@link dev.troupe.TroupeException}: a task that throws fails with a
 * {@link dev.troupe.RemoteTaskException}, a worker that dies with a {@link dev.troupe.WorkerCrashedException}, a
 * worker that cannot start with a {@link dev.troupe.WorkerStartException}, a value no codec can send with a
 * {@link dev.troupe.CodecException}.
 *
 * <p>A node in a cluster (module {@code troupe-cluster}) shows its membership through {@link dev.troupe.Cluster},
 * from {@link dev.troupe.Troupe#cluster()}: {@link dev.troupe.NodeInfo} entries and {@link dev.troupe.ClusterEvent}s;
 * a node that cannot join fails to start with a {@link dev.troupe.ClusterJoinException}.
 *
 * <p>Everything in {@code dev.troupe.internal} is internal; transports and node extensions implement
 * {@code dev.troupe.spi}.
 */
package dev.troupe;
