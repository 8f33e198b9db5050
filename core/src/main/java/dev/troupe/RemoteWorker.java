package dev.troupe;

import dev.troupe.internal.worker.RemoteWorkerMain;

/**
 * The entry point of a remote worker: a JVM on any host that dials in to a node over TCP and joins its pools
 * that accept remote workers ({@link PoolOptions#acceptRemoteWorkers(boolean)}):
 *
 * <pre>
 * java -cp "app.jar:lib/*" dev.troupe.RemoteWorker --connect tcp://HOST:PORT --secret-file FILE
 * </pre>
 *
 * <p>The class path must hold troupe-core, troupe-transport-tcp and the classes of the tasks it will run, as the
 * node's does. The worker serves until killed, joining again when its link is lost or a pool lets it go; a node
 * that refuses it (wrong secret, other protocol version) ends it with exit code 71. {@code --help} prints the
 * options.
 */
public final class RemoteWorker {
    private RemoteWorker() {
    }

    /**
     * Runs the worker; does not return (the JVM exits with the worker's code).
     *
     * @param args {@code --connect tcp://HOST:PORT} and the options that {@code --help} lists.
     */
    public static void main(String[] args) {
        RemoteWorkerMain.main(args);
    }
}
