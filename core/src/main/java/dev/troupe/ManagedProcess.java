package dev.troupe;

import java.time.Duration;

/**
 * An operating-system process started by a {@link Troupe} node: the analog of Python's
 * {@code multiprocessing.Process} and of a Win32 process handle. Thread-safe.
 */
public interface ManagedProcess {

    /**
     * @return the node-unique id of this process, such as {@code w-3} or {@code x-1}.
     */
    String id();

    /**
     * @return the host the process runs on: {@code localhost} for a process this node started, the name a remote
     *         worker gave for one that dialled in over TCP.
     */
    String host();

    /**
     * @return the operating-system process id.
     */
    long pid();

    /**
     * @return where the process is in its life: starting, ready, busy, stopping or exited.
     */
    ProcessState state();

    /**
     * @return {@code true} until the process has exited.
     */
    boolean isAlive();

    /**
     * Waits for the process to exit.
     *
     * @param timeout how long to wait at most.
     * @return {@code true} when the process has exited, {@code false} when the time ran out.
     * @throws InterruptedException when the waiting thread is interrupted.
     */
    boolean join(Duration timeout) throws InterruptedException;

    /**
     * The exit code, as Python reports it.
     *
     * @return {@code null} while the process runs; the exit status once it exited; the negative signal number
     *     when a signal ended it ({@code -9} after {@link #kill()}, {@code -15} after {@link #terminate()}).
     */
    Integer exitCode();

    /**
     * Asks the process to stop (SIGTERM on Unix). Returns at once; use {@link #join} to wait.
     */
    void terminate();

    /**
     * Stops the process at once (SIGKILL on Unix). Returns at once; use {@link #join} to wait.
     */
    void kill();

    /**
     * Reads the process's CPU time and resident memory from the operating system.
     *
     * @return the snapshot.
     * @throws IllegalStateException when the process has exited.
     */
    ProcessStats stats();
}
