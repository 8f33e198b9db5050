package dev.troupe.internal.objects;

/**
 * INTERNAL API. The backend of this process's worker runtime, which handles that arrive in a task bind to.
 */
public final class ObjectBackends {
    private static volatile ObjectBackend worker;

    private ObjectBackends() {
    }

    /**
     * Sets the backend of this worker process.
     *
     * @param backend the worker's link to its node.
     */
    public static void bindWorker(ObjectBackend backend) {
        worker = backend;
    }

    /**
     * @return the backend of this worker process, or {@code null} outside a worker.
     */
    public static ObjectBackend worker() {
        return worker;
    }
}
