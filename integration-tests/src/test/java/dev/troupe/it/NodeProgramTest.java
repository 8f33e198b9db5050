package dev.troupe.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.troupe.Troupe;
import dev.troupe.WorkerProcess;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Programs that use Troupe as applications do, each in its own JVM: how they end and where worker output goes. */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class NodeProgramTest {

    /** Opens a node, starts a long task and returns from main without closing anything. */
    public static final class ForgetsClose {
        public static void main(String[] args) {
            Troupe troupe = Transports.start(args[0]);
            WorkerProcess<Integer> p = troupe.spawn(Tasks::sleepThenAnswer, 120_000);
            System.out.println("RUNDIR " + Transports.runDirectory(troupe));
            System.out.println("WORKER " + p.pid());
            System.out.flush();
        }
    }

    /** Runs a task that prints a line, on a class path with no SLF4J provider. */
    public static final class PrintsWithoutLogging {
        public static void main(String[] args) throws Exception {
            try (Troupe troupe = Transports.start("pipe")) {
                // The task prints first and answers 2 s later, so the line has long been copied when main ends.
                WorkerProcess<Integer> p = troupe.spawn(Tasks::sleepThenAnswer, 2_000);
                System.out.println("RESULT " + p.result().get(60, TimeUnit.SECONDS) + " WORKER " + p.pid());
            }
        }
    }

    @Test
    void shouldExitAndStopItsWorkersWhenMainReturnsWithoutClose() throws Exception {
        for (String transport : Transports.names()) {
            Process node = java(System.getProperty("java.class.path"), ForgetsClose.class, transport);
            CompletableFuture<List<String>> output = readLines(node);
            try {
                assertThat(node.waitFor(60, TimeUnit.SECONDS)).as(transport + ": the JVM exits by itself").isTrue();
                List<String> lines = output.get(10, TimeUnit.SECONDS);
                long workerPid = Long.parseLong(value(lines, "WORKER "));
                Path runDir = Path.of(value(lines, "RUNDIR "));
                boolean workerGone = ProcessHandle.of(workerPid).map(h -> h.onExit().thenApply(x -> true)
                    .completeOnTimeout(false, 20, TimeUnit.SECONDS).join()).orElse(true);
                if (!workerGone) {
                    ProcessHandle.of(workerPid).ifPresent(ProcessHandle::destroyForcibly);
                }
                assertThat(workerGone).as(transport + ": the worker is gone with its node").isTrue();
                assertThat(runDir).as(transport + ": run directory removed").doesNotExist();
                assertThat(node.exitValue()).as(transport + ": exit code; output " + lines).isZero();
            } finally {
                node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void shouldPrintWorkerOutputWithItsPrefixWhenNoLoggingProviderIsBound() throws Exception {
        String withoutLogback = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .filter(entry -> !entry.contains("logback"))
            .collect(Collectors.joining(File.pathSeparator));
        Process node = java(withoutLogback, PrintsWithoutLogging.class);
        CompletableFuture<List<String>> output = readLines(node);
        try {
            assertThat(node.waitFor(90, TimeUnit.SECONDS)).as("the program ends").isTrue();
            List<String> lines = output.get(10, TimeUnit.SECONDS);
            String result = value(lines, "RESULT ");
            assertThat(result).startsWith("42 WORKER ");
            String pid = result.substring("42 WORKER ".length());
            assertThat(lines).as("the worker's line, prefixed with its id and pid")
                .anyMatch(l -> l.matches("\\[w-\\d+ pid " + pid + "\\] sleeping 2000 ms"));
        } finally {
            node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static Process java(String classPath, Class<?> main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
            "-cp", classPath, "-Dlogback.configurationFile=none", "-D" + Remote.DIR_PROPERTY + "=" + Remote.dir(),
            main.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /** Every line the process prints, read on a thread of its own so the process never blocks on a full pipe. */
    private static CompletableFuture<List<String>> readLines(Process p) {
        return CompletableFuture.supplyAsync(() -> {
            List<String> lines = new ArrayList<>();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("(output ended: " + e + ")");
            }
            return lines;
        });
    }

    private static String value(List<String> lines, String prefix) {
        return lines.stream().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length()).trim())
            .findFirst().orElseThrow(() -> new AssertionError("no line starting with " + prefix + " in " + lines));
    }
}
