package dev.troupe.internal.node;

import dev.troupe.PoolOptions;
import dev.troupe.ProgressListener;
import java.io.PrintStream;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/**
 * INTERNAL API. Reports how many inputs of one {@code map} are done: to the listener, and for
 * {@link PoolOptions#progressBar()} as a bar on a terminal, or as plain lines ({@code map: 40/100 (40%)}) at most
 * once a second and at the end when stderr is not a terminal, where a bar's {@code \r} and colour codes would only
 * litter a log file. Thread-safe: {@link #add} is called from link threads.
 */
final class Progress implements AutoCloseable {
    static final Progress NONE = new Progress(null, null, null, 0);
    private static final long LINE_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final ProgressListener listener;
    private final ProgressBar bar;
    private final PrintStream lines;
    private final long total;
    private final AtomicLong done = new AtomicLong();
    private final AtomicLong lastLineNanos = new AtomicLong(System.nanoTime());
    private final AtomicBoolean closed = new AtomicBoolean();

    private Progress(ProgressListener listener, ProgressBar bar, PrintStream lines, long total) {
        this.listener = listener;
        this.bar = bar;
        this.lines = lines;
        this.total = total;
    }

    /** Progress of a call over {@code total} inputs, drawn on {@code System.err}. */
    static Progress start(PoolOptions options, long total) {
        return start(options, total, hasTerminal(), System.err);
    }

    /**
     * Whether this JVM talks to a terminal. {@code System.console()} is {@code null} otherwise up to JDK 21; from
     * JDK 22 it may return a console anyway, whose {@code isTerminal()} then says.
     */
    static boolean hasTerminal() {
        java.io.Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    /**
     * @param terminal whether {@code out} is a terminal: a bar when it is, plain lines on {@code out} when not.
     */
    static Progress start(PoolOptions options, long total, boolean terminal, PrintStream out) {
        if (options.progress() == null && !options.progressBar()) {
            return NONE;
        }
        ProgressBar bar = null;
        PrintStream lines = null;
        if (options.progressBar() && terminal) {
            bar = new ProgressBarBuilder().setTaskName("map").setInitialMax(total).continuousUpdate().build();
        } else if (options.progressBar()) {
            lines = out;
        }
        return new Progress(options.progress(), bar, lines, total);
    }

    void add(int n) {
        if (this == NONE) {
            return;
        }
        long now = done.addAndGet(n);
        if (bar != null) {
            bar.stepBy(n);
        }
        if (lines != null && now < total) {
            long t = System.nanoTime();
            long last = lastLineNanos.get();
            if (t - last >= LINE_INTERVAL_NANOS && lastLineNanos.compareAndSet(last, t)) {
                printLine(now);
            }
        }
        if (listener != null) {
            listener.onProgress(now, total);
        }
    }

    private void printLine(long now) {
        lines.println("map: " + now + "/" + total + " (" + (total == 0 ? 100 : now * 100 / total) + "%)");
    }

    /** Ends the bar, or prints the last line; once. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (bar != null) {
            bar.close();
        }
        if (lines != null) {
            printLine(done.get());
        }
    }
}
