package dev.troupe;

/**
 * A worker process could not be started or did not complete its handshake. The message holds the command's
 * error output (for example the JVM's complaint about a bad option or a missing class).
 */
public class WorkerStartException extends TroupeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, with the child's error output.
     */
    public WorkerStartException(String message) {
        super(message);
    }

    /**
     * @param message what failed.
     * @param cause   the underlying error.
     */
    public WorkerStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
