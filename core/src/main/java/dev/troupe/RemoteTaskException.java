package dev.troupe;

import java.util.List;

/**
 * A task threw in its worker. Carries the remote exception's class name, message and stack trace; its cause
 * is a {@link RemoteThrowable} chain that prints as the remote stack trace did.
 */
public class RemoteTaskException extends TroupeException {
    private static final long serialVersionUID = 1L;

    private final String remoteClassName;
    private final String remoteMessage;
    private final String workerId;
    private final long pid;

    /**
     * @param remote   the remote exception, as reconstructed from the wire.
     * @param workerId the worker's id.
     * @param pid      the worker's process id.
     */
    public RemoteTaskException(RemoteThrowable remote, String workerId, long pid) {
        super("task failed in worker " + workerId + " (pid " + pid + "): " + remote, remote);
        this.remoteClassName = remote.remoteClassName();
        this.remoteMessage = remote.remoteMessage();
        this.workerId = workerId;
        this.pid = pid;
    }

    /**
     * @return the fully qualified class name of the exception the task threw.
     */
    public String remoteClassName() {
        return remoteClassName;
    }

    /**
     * @return the remote exception's message, or {@code null}.
     */
    public String remoteMessage() {
        return remoteMessage;
    }

    /**
     * @return the remote exception's stack trace, as it was in the worker.
     */
    public List<StackTraceElement> remoteStackTrace() {
        return List.of(getCause().getStackTrace());
    }

    /**
     * @return the id of the worker the task ran in.
     */
    public String workerId() {
        return workerId;
    }

    /**
     * @return the process id of the worker the task ran in.
     */
    public long pid() {
        return pid;
    }
}
