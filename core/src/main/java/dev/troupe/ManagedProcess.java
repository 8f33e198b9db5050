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
     * The {@link #exitCode()} of a process on another host whose link was lost without word of how it ended (a
     * remote worker whose connection dropped, a lent worker lost with its node): neither an exit status (0 to 255)
     * nor a signal (-1 to -64).
     */
    int EXIT_LOST = -1000;

    /**
     * The exit code, as Python reports it.
     *
     * @return {@code null} while the process runs (and for a remote worker its pool let go, which runs on); the
     *     exit status once it exited; the negative signal number when a signal ended it ({@code -9} after
     *     {@link #kill()}, {@code -15} after {@link #terminate()}); {@link #EXIT_LOST} for a process on another host
     *     that was lost.
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
