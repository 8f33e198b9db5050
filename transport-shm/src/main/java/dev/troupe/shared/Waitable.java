package dev.troupe.shared;

/**
 * Something {@link Waits} can wait for: the {@linkplain SharedObject shared objects} that can be taken (locks,
 * semaphores, events), {@linkplain Connection connections} (readable), and processes
 * ({@linkplain Waits#exited(ProcessHandle) exited}). Only Troupe's own types implement it; {@link Waits} refuses
 * any other with an {@link IllegalArgumentException}.
 */
public interface Waitable {
}
