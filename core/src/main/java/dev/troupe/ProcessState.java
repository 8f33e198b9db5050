package dev.troupe;

/**
 * Where a {@link ManagedProcess} is in its life.
 */
public enum ProcessState {
    /** Launched; a worker has not completed its handshake yet. */
    STARTING,
    /** Running and idle (a worker with no task), or running (a plain executable). */
    READY,
    /** A worker running a task. */
    BUSY,
    /** Asked to stop, or its link is lost; waiting for the process to exit. */
    STOPPING,
    /** The process has exited. */
    EXITED
}
