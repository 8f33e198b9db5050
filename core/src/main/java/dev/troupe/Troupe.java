package dev.troupe;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.troupe.internal.node.Node;
import dev.troupe.internal.objects.LocalObjects;
import dev.troupe.internal.objects.ObjectQueue;
import dev.troupe.internal.objects.ObjectTopic;
import dev.troupe.spi.MessagingProvider;
import dev.troupe.spi.ObjectHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * A Troupe node: runs work in other operating-system processes. The entry point of the API.
 *
 * <pre>{@code
 * try (Troupe troupe = Troupe.local()) {
 *     WorkerProcess<Integer> p = troupe.spawn(x -> x * x, 7);
 *     System.out.println(p.result().join() + " from pid " + p.pid());
 * }
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} stops every process the node started and removes every file it created.
 */
public final class Troupe implements AutoCloseable {
    /** The name of the node extension of {@code troupe-cluster}. */
    private static final String CLUSTER_EXTENSION = "cluster";

    private final Node node;

    private Troupe(Node node) {
        this.node = node;
    }

    /**
     * Starts a node on this machine with the default configuration ({@code application.conf} over Troupe's
     * {@code reference.conf}).
     *
     * @return the node.
     * @throws TroupeException when no transport is available or the node cannot start.
     */
    public static Troupe local() {
        return local(ConfigFactory.load());
    }

    /**
     * Starts a node on this machine with the given configuration (its {@code troupe} section; Troupe's defaults
     * fill in what it lacks).
     *
     * @param config the configuration.
     * @return the node.
     * @throws TroupeException when no transport is available or the node cannot start.
     */
    public static Troupe local(Config config) {
        return new Troupe(Node.start(config.withFallback(ConfigFactory.defaultReference()).resolve()));
    }

    /**
     * Starts a node that is a member of a cluster (module {@code dev.troupe:troupe-cluster}): the same as
     * {@link #local(Config)} with {@code troupe.cluster.enabled = on}. It joins the seed nodes of
     * {@code troupe.cluster.seed-nodes}, or with none listed starts a new cluster of its own, and returns once this
     * node is a member ({@link NodeInfo.Status#UP}); {@link #cluster()} then gives the membership.
     *
     * @param config the configuration.
     * @return the node.
     * @throws ClusterJoinException when the node cannot join within {@code troupe.cluster.join-timeout}: the seed
     *                              nodes are unreachable, or refused it (another cluster's secret).
     * @throws TroupeException      when {@code troupe-cluster} is not on the class path, or the node cannot start
     *                              (the message says why: a bad setting, no secret, a port in use, ...).
     */
    public static Troupe cluster(Config config) {
        if (!Node.availableExtensions().contains(CLUSTER_EXTENSION)) {
            throw new TroupeException("Troupe.cluster needs the cluster module: add dev.troupe:troupe-cluster to the"
                + " class path (its version from dev.troupe:troupe-bom)");
        }
        return local(ConfigFactory.parseMap(Map.of("troupe.cluster.enabled", true)).withFallback(config));
    }

    /**
     * Starts a worker JVM (with this JVM's class path) that runs {@code task} on {@code input} and then exits:
     * Python's {@code Process(target=task, args=(input,)).start()}. Returns once the worker is up.
     *
     * @param task  the task; a lambda, a method reference or a class with a no-arg constructor.
     * @param input its input.
     * @param <I>   input type.
     * @param <O>   output type.
     * @return the worker's handle; {@link WorkerProcess#result()} completes with the task's output.
     * @throws CodecException        when the task or the input cannot be sent to another process.
     * @throws WorkerStartException  when the worker cannot start; the message holds its error output.
     * @throws IllegalStateException when this node is closed.
     */
    public <I, O> WorkerProcess<O> spawn(Task<I, O> task, I input) {
        return node.spawn(task, input, List.of());
    }

    /**
     * As {@link #spawn(Task, Object)}, with extra JVM options for this worker (heap size, system properties).
     *
     * @param task       the task.
     * @param input      its input.
     * @param jvmOptions options added after the configured {@code troupe.worker.jvm-options}.
     * @param <I>        input type.
     * @param <O>        output type.
     * @return the worker's handle.
     * @throws CodecException       when the task or the input cannot be sent to another process.
     * @throws WorkerStartException when the worker cannot start; the message holds its error output.
     */
    public <I, O> WorkerProcess<O> spawn(Task<I, O> task, I input, List<String> jvmOptions) {
        return node.spawn(task, input, jvmOptions);
    }

    /**
     * As {@link #spawn(Task, Object)}, where the options say: on this node, or on a chosen member of the cluster
     * ({@link SpawnOptions#on(NodeSelector)}).
     *
     * @param task    the task.
     * @param input   its input.
     * @param options where, and with which JVM options.
     * @param <I>     input type.
     * @param <O>     output type.
     * @return the worker's handle, once it runs.
     * @throws CodecException        when the task or the input cannot be sent to another process.
     * @throws WorkerStartException  when the worker cannot start, here or on the chosen member.
     * @throws IllegalStateException when a member is chosen but this node is not a cluster member.
     */
    public <I, O> WorkerProcess<O> spawn(Task<I, O> task, I input, SpawnOptions options) {
        return node.spawn(task, input, options);
    }

    /**
     * Starts a pool of worker JVMs: Python's {@code multiprocessing.Pool}. Returns once every worker is up.
     *
     * @param options the pool's size and behaviour.
     * @return the pool; close it (or this node) to stop its workers.
     * @throws WorkerStartException when the workers cannot start.
     */
    public Pool pool(PoolOptions options) {
        return node.pool(options);
    }

    /**
     * Starts any executable, as Win32's {@code CreateProcess} or Python's {@code subprocess.Popen}. Its output
     * lines go to this node's log (loggers {@code dev.troupe.process.out} and {@code .err}), prefixed with its id
     * and pid.
     *
     * @param command the executable.
     * @param args    its arguments.
     * @return the process's handle, with CPU time and resident memory readable through
     *     {@link ManagedProcess#stats()}.
     * @throws WorkerStartException when the executable cannot be started.
     */
    public ManagedProcess exec(String command, String... args) {
        List<String> cmd = new ArrayList<>(args.length + 1);
        cmd.add(command);
        cmd.addAll(List.of(args));
        return node.exec(cmd, Map.of());
    }

    /**
     * The processes this node started that have not exited yet, pool workers included.
     *
     * @return a snapshot.
     */
    public List<ManagedProcess> processes() {
        return node.processes();
    }

    /**
     * @return the name of the transport local workers use ({@code pipe}, {@code shm}, ...).
     */
    public String transport() {
        return node.transportName();
    }

    /**
     * @return the address workers connect to, such as {@code pipe:/tmp/troupe-123-abc/node-1.sock}.
     */
    public String address() {
        return node.address();
    }

    /**
     * The address workers on other hosts dial in to with {@code troupe worker --connect ADDRESS}, when
     * {@code troupe.tcp.listen} is set (module {@code troupe-transport-tcp}). Pools made with
     * {@link PoolOptions#acceptRemoteWorkers(boolean)} use those workers.
     *
     * @return the address, such as {@code tcp://10.0.0.5:7777}, or empty when this node takes no remote workers.
     */
    public java.util.Optional<String> remoteAddress() {
        return java.util.Optional.ofNullable(node.remoteAddress());
    }

    /**
     * The cluster this node is a member of: membership, events, leave. A node is a member when the module
     * {@code dev.troupe:troupe-cluster} is on the class path and {@code troupe.cluster.seed-nodes} is set (or
     * {@code troupe.cluster.enabled = on}, or it was started with {@link #cluster(Config)}).
     *
     * @return the cluster.
     * @throws IllegalStateException when this node is not a member of a cluster; the message says how to make it one.
     */
    public Cluster cluster() {
        return node.service(Cluster.class).orElseThrow(() -> new IllegalStateException(
            node.extensionNames().contains(CLUSTER_EXTENSION)
                ? "this Troupe node is not in a cluster: set troupe.cluster.seed-nodes (or troupe.cluster.enabled ="
                    + " on), or start it with Troupe.cluster(config)"
                : "this Troupe node is not in a cluster: add dev.troupe:troupe-cluster to the class path and set"
                    + " troupe.cluster.seed-nodes"));
    }

    /**
     * The maps and lists this node hosts for all its processes: Python's {@code multiprocessing.Manager()}. Handles
     * from it may be captured by tasks or passed to them, and reach the same objects from the workers.
     *
     * @return the manager.
     */
    public Manager manager() {
        return new Manager(node.objects());
    }

    /**
     * Opens the queue of this name, creating it (empty, 1 MiB, bounded by bytes only) if absent. On a node in a
     * cluster it is one queue for the whole cluster (hosted by its oldest member); otherwise the machine's
     * shared-memory queue of that name (from {@code troupe-transport-shm}). Handles travel to tasks.
     *
     * @param name letters, digits, {@code . _ -}.
     * @param type the messages' class (boxed for numbers).
     * @param <T>  the messages' type.
     * @return a handle; close it when done.
     * @throws TroupeException when it exists with other parameters or another type, its host cannot be reached, or
     *                         no provider of queues is on the class path.
     */
    public <T> NamedQueue<T> queue(String name, Class<T> type) {
        return queue(name, type, 0, 0);
    }

    /**
     * Opens the queue of this name, creating it if absent, as {@link #queue(String, Class)}.
     *
     * @param name          letters, digits, {@code . _ -}.
     * @param type          the messages' class.
     * @param maxMessages   the most messages it holds, 0 for no bound but its bytes (Python's {@code maxsize}).
     * @param capacityBytes the most bytes of encoded messages it holds, 0 for the default (1 MiB).
     * @param <T>           the messages' type.
     * @return a handle; close it when done.
     * @throws TroupeException as {@link #queue(String, Class)}.
     */
    public <T> NamedQueue<T> queue(String name, Class<T> type, int maxMessages, int capacityBytes) {
        ObjectHandler cluster = clusterObjects(ObjectQueue.KIND + name);
        if (cluster != null) {
            return ObjectQueue.open(node.objects(), name, type, maxMessages, capacityBytes);
        }
        return messaging().queue(name, type, maxMessages, capacityBytes);
    }

    /**
     * Opens the topic of this name, creating it if absent. On a node in a cluster it is one topic for the whole
     * cluster: a message published on any member reaches the subscribers on every member. Otherwise it is the
     * machine's shared-memory topic of that name (from {@code troupe-transport-shm}).
     *
     * @param name letters, digits, {@code . _ -}.
     * @param type the messages' class (boxed for numbers).
     * @param <T>  the messages' type.
     * @return a handle; close it when done.
     * @throws TroupeException when it exists with another type, or no provider of topics is on the class path.
     */
    public <T> NamedTopic<T> topic(String name, Class<T> type) {
        ObjectHandler cluster = clusterObjects(ObjectTopic.KIND + name);
        if (cluster != null) {
            return ObjectTopic.open(node.objects(), name, type);
        }
        return messaging().topic(name, type);
    }

    private ObjectHandler clusterObjects(String object) {
        if (node.objects() instanceof LocalObjects local) {
            ObjectHandler h = local.extension();
            return h != null && h.handles(object) ? h : null;
        }
        return null;
    }

    private static MessagingProvider messaging() {
        for (MessagingProvider p : ServiceLoader.load(MessagingProvider.class, Troupe.class.getClassLoader())) {
            return p;
        }
        throw new TroupeException("no provider of queues and topics on the class path: add"
            + " dev.troupe:troupe-transport-shm (machine-local ones) or join a cluster with dev.troupe:troupe-cluster");
    }

    /**
     * Closes every pool, stops every process this node started (gracefully, then by force), removes its socket
     * files and run directory, and stops its actor system. Idempotent.
     */
    @Override
    public void close() {
        node.close();
    }
}
