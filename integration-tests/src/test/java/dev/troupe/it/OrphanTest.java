package dev.troupe.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.troupe.Troupe;
import dev.troupe.WorkerProcess;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A worker whose node dies exits by itself: no orphans. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class OrphanTest {

    /** The node process of the test: spawns a long task, prints the worker's pid, then waits to be killed. */
    public static final class Parent {
        public static void main(String[] args) throws Exception {
            Troupe troupe = Transports.start(args[0]);
            WorkerProcess<Integer> p = troupe.spawn(Tasks::sleepThenAnswer, 120_000);
            System.out.println("RUNDIR " + Transports.runDirectory(troupe));
            System.out.println("WORKER " + p.pid());
            System.out.flush();
            Thread.sleep(120_000);
        }
    }

    @Test
    void shouldExitWhenItsNodeIsKilled() throws Exception {
        for (String transport : Transports.names()) {
            Process parent = new ProcessBuilder(List.of(
                ProcessHandle.current().info().command().orElseThrow(), "-cp", System.getProperty("java.class.path"),
                "-Dlogback.configurationFile=none", "-D" + Remote.DIR_PROPERTY + "=" + Remote.dir(),
                Parent.class.getName(), transport))
                .redirectErrorStream(true).start();
            try {
                long workerPid = -1;
                java.nio.file.Path runDir = null;
                BufferedReader out = new BufferedReader(new InputStreamReader(parent.getInputStream(),
                    StandardCharsets.UTF_8));
                String line;
                while ((line = out.readLine()) != null) {
                    if (line.startsWith("RUNDIR ")) {
                        runDir = java.nio.file.Path.of(line.substring(7).trim());
                    }
                    if (line.startsWith("WORKER ")) {
                        workerPid = Long.parseLong(line.substring(7).trim());
                        break;
                    }
                }
                assertThat(workerPid).as("parent reported its worker").isPositive();
                ProcessHandle worker = ProcessHandle.of(workerPid).orElseThrow();
                parent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                boolean gone = worker.onExit().thenApply(h -> true)
                    .completeOnTimeout(false, 20, TimeUnit.SECONDS).get();
                if (!gone) {
                    worker.destroyForcibly();
                }
                assertThat(gone).as("worker exits after its node died").isTrue();
                // A node killed by SIGKILL cannot clean up; the next node to start sweeps its directory.
                Transports.start(transport).close();
                assertThat(runDir).isNotNull().doesNotExist();
            } finally {
                parent.destroyForcibly();
                parent.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
