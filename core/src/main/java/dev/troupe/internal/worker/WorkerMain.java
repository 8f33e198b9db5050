package dev.troupe.internal.worker;

import dev.troupe.internal.WorkerLaunch;
import java.util.Map;

/**
 * INTERNAL API. The entry point of a worker JVM started by a node. Reads its instructions from environment
 * variables (see {@link WorkerLaunch}), connects back, runs tasks until told to stop, then exits.
 */
public final class WorkerMain {

    private WorkerMain() {
    }

    /**
     * @param args ignored; the launch contract is in the environment.
     */
    public static void main(String[] args) {
        Map<String, String> env = System.getenv();
        String address = env.get(WorkerLaunch.ENV_CONNECT);
        if (address == null || env.get(WorkerLaunch.ENV_WORKER_ID) == null || env.get(WorkerLaunch.ENV_TOKEN) == null) {
            System.err.println("troupe worker: " + WorkerLaunch.ENV_CONNECT + ", " + WorkerLaunch.ENV_WORKER_ID
                + " and " + WorkerLaunch.ENV_TOKEN + " must be set; a worker is started by a Troupe node, not by hand");
            System.exit(WorkerLaunch.EXIT_HANDSHAKE_FAILED);
        }
        int code;
        try {
            code = new WorkerRuntime(env).run();
        } catch (Throwable t) {
            System.err.println("troupe worker " + env.get(WorkerLaunch.ENV_WORKER_ID) + " failed: " + t);
            t.printStackTrace();
            code = WorkerLaunch.EXIT_HANDSHAKE_FAILED;
        }
        System.out.flush();
        System.err.flush();
        // halt, not exit: a non-daemon thread left behind by a task must not keep the worker alive.
        Runtime.getRuntime().halt(code);
    }
}
