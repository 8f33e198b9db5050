package dev.troupe.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A command-line program of this module ({@link NodeCommand}, {@link StatusCommand}) run as a JVM of its own, as the
 * launcher runs it, with this JVM's class path and the test cluster timings ({@code cluster-test.conf}). Its stdout
 * and stderr go to files: not pipes, because {@link Process#destroy()} closes the pipes at once, and what the
 * command prints while it stops would be lost. {@link #close()} kills it and its descendants.
 */
final class CommandProcess implements AutoCloseable {
    final Process process;
    private final Path stdout;
    private final Path stderr;

    private CommandProcess(Process process, Path stdout, Path stderr) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /**
     * Starts {@code main} with {@code args}.
     *
     * @param logDir where its output goes ({@code name.out}, {@code name.err}).
     */
    static CommandProcess start(Path logDir, String name, Class<?> main, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("-Xmx160m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
            "-Dconfig.resource=cluster-test.conf", "-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        // The secret comes from the flags under test, never from the environment of the test run.
        pb.environment().remove("TROUPE_SECRET");
        Path out = logDir.resolve(name + ".out");
        Path err = logDir.resolve(name + ".err");
        pb.redirectOutput(out.toFile());
        pb.redirectError(err.toFile());
        Process process = pb.start();
        // Nothing to read: a command that reads stdin sees its end.
        process.getOutputStream().close();
        return new CommandProcess(process, out, err);
    }

    /** The first stdout line that matches, waiting for it; fails with the output after {@code timeout}. */
    String awaitLine(Predicate<String> wanted, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            boolean ended = !process.isAlive();
            for (String line : stdout()) {
                if (wanted.test(line)) {
                    return line;
                }
            }
            if (ended || System.nanoTime() > deadline) {
                throw new AssertionError("the command did not print " + what + (ended ? " before it exited"
                    : " within " + timeout.toSeconds() + " s") + "\n" + output());
            }
            Thread.sleep(50);
        }
    }

    /** Waits for the process to exit and returns its exit code; fails with its output after {@code timeout}. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the command did not exit within " + timeout.toSeconds() + " s\n" + output());
        }
        return process.exitValue();
    }

    /** Every complete stdout line so far. */
    List<String> stdout() {
        String text = read(stdout);
        List<String> lines = new ArrayList<>(text.lines().toList());
        if (!text.isEmpty() && !text.endsWith("\n")) {
            lines.remove(lines.size() - 1);
        }
        return lines;
    }

    String stderr() {
        return read(stderr);
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /** Its stdout and stderr, for failure messages. */
    String output() {
        return "stdout:\n" + read(stdout) + "\nstderr:\n" + stderr();
    }

    /** Sends a signal by name ({@code STOP}, {@code CONT}) with {@code kill}. */
    void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
            .redirectErrorStream(true).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            kill.destroyForcibly();
            throw new IOException("kill -" + name + " " + process.pid() + " failed");
        }
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
