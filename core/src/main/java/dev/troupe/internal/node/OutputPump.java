package dev.troupe.internal.node;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.helpers.NOPLoggerFactory;

/**
 * INTERNAL API. Copies a child's stdout or stderr, line by line, to this node's log, prefixed with the
 * process id and pid; keeps the last lines for error messages. A line longer than {@value #MAX_LINE_CHARS}
 * characters is passed on in pieces of that length, so memory stays bounded whatever the child prints. With no
 * SLF4J provider on the class path the log goes nowhere, so the lines go to this JVM's {@code System.out} /
 * {@code System.err} instead.
 */
final class OutputPump {
    private static final Logger OUT = LoggerFactory.getLogger("dev.troupe.process.out");
    private static final Logger ERR = LoggerFactory.getLogger("dev.troupe.process.err");
    private static final int KEEP_LINES = 40;
    /** Longer lines are passed on in pieces of this many characters, so a line with no end cannot fill the heap. */
    static final int MAX_LINE_CHARS = 8192;
    private static final int READ_CHARS = 8192;
    /** SLF4J found no provider and fell back to discarding everything. */
    private static final boolean NO_LOG = LoggerFactory.getILoggerFactory() instanceof NOPLoggerFactory;

    private final ArrayDeque<String> tail = new ArrayDeque<>();
    private final CompletableFuture<Void> done = new CompletableFuture<>();

    private OutputPump() {
    }

    static OutputPump start(InputStream in, boolean stderr, String id, long pid) {
        OutputPump pump = new OutputPump();
        Thread t = new Thread(() -> pump.run(in, stderr ? ERR : OUT, stderr, id, pid),
            "troupe-" + (stderr ? "stderr-" : "stdout-") + id);
        t.setDaemon(true);
        t.start();
        return pump;
    }

    private void run(InputStream in, Logger log, boolean stderr, String id, long pid) {
        try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
            char[] buffer = new char[READ_CHARS];
            StringBuilder line = new StringBuilder();
            int n;
            while ((n = r.read(buffer)) != -1) {
                for (int i = 0; i < n; i++) {
                    char c = buffer[i];
                    if (c == '\n') {
                        int end = line.length();
                        if (end > 0 && line.charAt(end - 1) == '\r') {
                            line.setLength(end - 1);
                        }
                        emit(line, log, stderr, id, pid);
                    } else {
                        line.append(c);
                        if (line.length() == MAX_LINE_CHARS) {
                            // A line without end must not grow without bound: pass it on in pieces.
                            emit(line, log, stderr, id, pid);
                        }
                    }
                }
            }
            if (line.length() > 0) {
                emit(line, log, stderr, id, pid);
            }
        } catch (IOException ignored) {
            // the stream closes when the process goes away
        } finally {
            done.complete(null);
        }
    }

    private void emit(StringBuilder text, Logger log, boolean stderr, String id, long pid) {
        String line = text.toString();
        text.setLength(0);
        synchronized (tail) {
            if (tail.size() == KEEP_LINES) {
                tail.removeFirst();
            }
            tail.addLast(line);
        }
        log(line, log, stderr, id, pid);
    }

    /**
     * Logs a line a remote worker sent in a {@code LogLine}, as a local worker's line is logged, in pieces of at most
     * {@link #MAX_LINE_CHARS} characters.
     */
    static void forward(boolean stderr, String id, long pid, String line) {
        for (int at = 0; at < line.length() || at == 0; at += MAX_LINE_CHARS) {
            log(line.substring(at, Math.min(line.length(), at + MAX_LINE_CHARS)), stderr ? ERR : OUT, stderr, id,
                pid);
        }
    }

    private static void log(String line, Logger log, boolean stderr, String id, long pid) {
        if (NO_LOG) {
            (stderr ? System.err : System.out).println("[" + id + " pid " + pid + "] " + line);
        } else if (stderr) {
            log.warn("[{} pid {}] {}", id, pid, line);
        } else {
            log.info("[{} pid {}] {}", id, pid, line);
        }
    }

    /** Completes when the stream reached its end. */
    CompletableFuture<Void> done() {
        return done;
    }

    /** The last lines seen, joined with newlines. */
    String tail() {
        synchronized (tail) {
            return String.join("\n", tail);
        }
    }
}
