package dev.troupe.internal.node;

import dev.troupe.ProcessStats;
import java.time.Duration;
import oshi.SystemInfo;
import oshi.software.os.OSProcess;
import oshi.software.os.OperatingSystem;

/**
 * INTERNAL API. Reads a process's CPU time and resident memory through OSHI.
 */
final class OsStats {
    private OsStats() {
    }

    private static final class Holder {
        static final OperatingSystem OS = new SystemInfo().getOperatingSystem();
    }

    /** The process's figures, or empty when it is not running or cannot be read. */
    static java.util.Optional<ProcessStats> tryRead(long pid) {
        try {
            OSProcess p = Holder.OS.getProcess((int) pid);
            return p == null ? java.util.Optional.empty() : java.util.Optional.of(new ProcessStats(pid,
                Duration.ofMillis(p.getKernelTime() + p.getUserTime()), p.getResidentMemory(), p.getThreadCount()));
        } catch (RuntimeException e) {
            return java.util.Optional.empty();
        }
    }

    static ProcessStats read(long pid) {
        OSProcess p = Holder.OS.getProcess((int) pid);
        if (p == null) {
            throw new IllegalStateException("process " + pid + " is not running");
        }
        return new ProcessStats(pid, Duration.ofMillis(p.getKernelTime() + p.getUserTime()), p.getResidentMemory(),
            p.getThreadCount());
    }
}
