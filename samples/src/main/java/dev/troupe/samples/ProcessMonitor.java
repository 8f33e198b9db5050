package dev.troupe.samples;

import dev.troupe.ManagedProcess;
import dev.troupe.ProcessStats;
import dev.troupe.Troupe;
import java.time.Duration;

/** Starts an executable, samples its CPU time and resident memory, then stops it: a process monitor. */
public final class ProcessMonitor {
    private ProcessMonitor() {
    }

    public static void main(String[] args) throws Exception {
        try (Troupe troupe = Troupe.local()) {
            ManagedProcess p = troupe.exec("sh", "-c", "i=0; while [ $i -lt 3000000 ]; do i=$((i+1)); done");
            while (p.isAlive()) {
                try {
                    ProcessStats s = p.stats();
                    System.out.printf("pid %d  %-8s cpu %5d ms  rss %6d KiB%n", s.pid(), p.state(),
                        s.cpuTime().toMillis(), s.residentMemoryBytes() / 1024);
                } catch (IllegalStateException exited) {
                    break;
                }
                p.join(Duration.ofMillis(500));
            }
            System.out.println("exit code " + p.exitCode());
        }
    }
}
