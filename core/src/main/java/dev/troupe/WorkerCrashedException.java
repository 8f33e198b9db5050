package dev.troupe;

/**
 * The worker process running a task died before answering: it was killed, crashed, exited, or its link was
 * lost. Names the worker, its pid and how it ended.
 */
public class WorkerCrashedException extends TroupeException {
    private static final long serialVersionUID = 1L;

    private final String workerId;
    private final long pid;
    private final Integer exitCode;

    /**
     * @param message  the full description.
     * @param workerId the worker's id.
     * @param pid      the worker's process id.
     * @param exitCode the exit code as {@link WorkerProcess#exitCode()} reports it (negative signal number when
     *                 a signal ended it), or {@code null} when the process had not exited.
     */
    public WorkerCrashedException(String message, String workerId, long pid, Integer exitCode) {
        super(message);
        this.workerId = workerId;
        this.pid = pid;
        this.exitCode = exitCode;
    }

    /**
     * @return the worker's id, such as {@code w-3}.
     */
    public String workerId() {
        return workerId;
    }

    /**
     * @return the worker's process id.
     */
    public long pid() {
        return pid;
    }

    /**
     * @return the exit code (negative signal number when a signal ended the process), or {@code null} when the
     *     process had not exited when the link was lost.
     */
    public Integer exitCode() {
        return exitCode;
    }
}
