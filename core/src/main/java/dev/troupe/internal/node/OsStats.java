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

    static ProcessStats read(long pid) {
        OSProcess p = Holder.OS.getProcess((int) pid);
        if (p == null) {
            throw new IllegalStateException("process " + pid + " is not running");
        }
        return new ProcessStats(pid, Duration.ofMillis(p.getKernelTime() + p.getUserTime()), p.getResidentMemory(),
            p.getThreadCount());
    }
}
