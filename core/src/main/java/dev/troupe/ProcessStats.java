package dev.troupe;

import java.time.Duration;

/**
 * A snapshot of a process's resource use, read from the operating system.
 *
 * @param pid                the process id.
 * @param cpuTime            user plus system CPU time used so far.
 * @param residentMemoryBytes resident set size in bytes; -1 for a remote worker, whose memory is not visible here.
 * @param threadCount        the number of threads, or -1 when unknown.
 */
public record ProcessStats(long pid, Duration cpuTime, long residentMemoryBytes, int threadCount) {
}
