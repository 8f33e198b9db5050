package dev.troupe.spi;

import com.typesafe.config.Config;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Something that attaches to every Troupe node started while it is on the class path, registered in
 * {@code META-INF/services/dev.troupe.spi.NodeExtension} and found with {@link java.util.ServiceLoader} (as
 * {@link TransportProvider}s are). The cluster module ({@code dev.troupe:troupe-cluster}) is one.
 *
 * <p>The contract, per node start:
 * <ol>
 *   <li>{@link #configure} is called once, before the node's actor system is created. It returns empty when the
 *       extension has nothing to do for this configuration (then nothing else is called and the node is as it
 *       would be without the extension), or settings the node places over its configuration (for example
 *       {@code pekko.actor.provider = cluster}).</li>
 *   <li>{@link #start} is called once, after the actor system is up and before {@code Troupe.local} returns. It
 *       may block (until a cluster is joined, say); if it throws, the node does not start.</li>
 *   <li>{@link Handle#close()} is called once, when the node closes: after its processes have stopped and before
 *       its actor system terminates.</li>
 * </ol>
 * Extensions are called in class-path order, never concurrently for one node. A new instance is made for each
 * node start, so an instance may keep that node's state.
 */
public interface NodeExtension {

    /** The name of every node's Pekko actor system, and so the system part of its Pekko addresses. */
    String ACTOR_SYSTEM_NAME = "troupe";

    /**
     * A short name for logs and errors, such as {@code cluster}.
     *
     * @return a lower-case name, never {@code null}.
     */
    String name();

    /**
     * Decides whether this extension takes part in the node and what it adds to its configuration.
     *
     * @param config the node's configuration, resolved, with every module's {@code reference.conf} as fallback.
     * @return settings placed over {@code config} before the actor system starts (possibly an empty config), or
     *     empty when the extension does not take part in this node.
     * @throws RuntimeException when the configuration is invalid; the node does not start and its error carries
     *                          the message, which must name the setting at fault.
     */
    Optional<Config> configure(Config config);

    /**
     * Starts the extension on the running node. Called only when {@link #configure} returned settings.
     *
     * @param context the node's actor system, configuration and identity.
     * @return the running extension, closed when the node closes.
     * @throws Exception when the extension cannot start; the node does not start. A
     *                   {@link dev.troupe.TroupeException} reaches the caller of {@code Troupe.local} unchanged,
     *                   any other exception wrapped in one.
     */
    Handle start(Context context) throws Exception;

    /**
     * What a started extension sees of its node. Thread-safe.
     */
    interface Context {

        /**
         * @return the node's actor system, up and running.
         */
        ActorSystem<?> system();

        /**
         * @return the configuration the actor system runs with: the node's, with {@link #configure}'s settings over
         *     it.
         */
        Config config();

        /**
         * @return the node's id, unique on this machine while the node runs.
         */
        String nodeId();

        /**
         * Closes the node as {@code Troupe.close()} would (its pools and processes stop), on a thread of its own:
         * safe to call from an actor or a Pekko callback. Idempotent.
         *
         * @param reason why, for the node's log.
         * @return completes once the node is closed.
         */
        CompletionStage<Void> closeNode(String reason);

        /**
         * Starts a worker JVM for a pool of another node ({@link WorkerLending}): this node's {@code java}, worker
         * JVM options and class path, with the pool's JVM options; the worker dials {@code request.connect()} and
         * proves itself with the request's token. Its output goes to this node's log; it exits when its link ends
         * or this JVM does.
         *
         * @param request          the worker to start.
         * @param transportOptions the options of the transport it dials with, in place of this node's own (the
         *                         secret's source, for example).
         * @param environment      variables added to its environment (the secret, for example).
         * @return the started process.
         * @throws java.io.IOException   when the process cannot be started.
         * @throws IllegalStateException when no transport on the class path serves {@code request.connect()}.
         */
        Process startLentWorker(WorkerLending.LendRequest request, java.util.Map<String, String> transportOptions,
                                java.util.Map<String, String> environment) throws java.io.IOException;

        /**
         * What this node runs now, for status views: its processes (pool workers, spawned workers, executables, and
         * the workers of its pools that dialled in or that other members run for it) and its pools. Read-only. It
         * reads what the node's actors publish, without messaging them or waiting for them, and reads each local
         * process's CPU time and resident memory from the operating system (small reads of {@code /proc} on Linux),
         * so call it off actor threads, for example on Pekko's blocking-IO dispatcher.
         *
         * @return the processes and pools as they are now.
         */
        NodeSnapshot snapshot();

        /**
         * The CPU time and resident memory of a process on this machine (one {@link #startLentWorker} started, for
         * example), read as {@link #snapshot()} reads them: call it off actor threads.
         *
         * @param pid the process id.
         * @return its figures, or empty when no such process runs or it cannot be read.
         */
        java.util.Optional<dev.troupe.ProcessStats> processStats(long pid);
    }

    /**
     * A started extension. Thread-safe.
     */
    interface Handle extends AutoCloseable {

        /**
         * A part of the public API this extension provides, such as {@link dev.troupe.Cluster}.
         *
         * @param type the API type asked for.
         * @param <T>  that type.
         * @return the implementation, or empty when this extension does not provide {@code type}.
         */
        <T> Optional<T> service(Class<T> type);

        /**
         * Called once when the node closes, after its processes have stopped and before its actor system
         * terminates. Must not throw.
         */
        @Override
        void close();
    }
}
