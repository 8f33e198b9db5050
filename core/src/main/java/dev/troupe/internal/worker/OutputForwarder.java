package dev.troupe.internal.worker;

import dev.troupe.spi.Link;
import dev.troupe.wire.Envelope;
import dev.troupe.wire.LogLine;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * INTERNAL API. A remote worker's {@code System.out} and {@code System.err}: each line still goes to the worker's
 * own stream, and, while the worker is connected to a node that takes them, also to the node as a {@code LogLine}.
 * A line longer than {@link #MAX_LINE_BYTES} is sent in pieces, so a task printing without newlines does not grow
 * the buffer without bound. Thread-safe; installed once per process.
 */
final class OutputForwarder extends OutputStream {
    /** Bytes of a line sent at most in one {@code LogLine}; the node splits at the same length. */
    static final int MAX_LINE_BYTES = 8192;

    private static OutputForwarder out;
    private static OutputForwarder err;
    /** Set while this thread sends a line: output the transport itself prints must not come back here. */
    private static final ThreadLocal<Boolean> SENDING = new ThreadLocal<>();

    private final PrintStream original;
    private final LogLine.Stream stream;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private volatile Link link;

    private OutputForwarder(PrintStream original, LogLine.Stream stream) {
        this.original = original;
        this.stream = stream;
    }

    /** Replaces {@code System.out} and {@code System.err}, once. */
    static synchronized void install() {
        if (out != null) {
            return;
        }
        out = new OutputForwarder(System.out, LogLine.Stream.STDOUT);
        err = new OutputForwarder(System.err, LogLine.Stream.STDERR);
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    /** Sends lines over {@code link} from now on; {@code null} stops sending. No-op unless installed. */
    static synchronized void attach(Link link) {
        if (out != null) {
            out.link = link;
            err.link = link;
        }
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        original.write(b, off, len);
        if (link == null || SENDING.get() != null) {
            return;
        }
        for (int i = off; i < off + len; i++) {
            if (b[i] == '\n') {
                send();
            } else {
                line.write(b[i]);
                if (line.size() >= MAX_LINE_BYTES) {
                    send();
                }
            }
        }
    }

    @Override
    public synchronized void flush() {
        original.flush();
    }

    private void send() {
        byte[] bytes = line.toByteArray();
        line.reset();
        int end = bytes.length;
        if (end > 0 && bytes[end - 1] == '\r') {
            end--;
        }
        Link l = link;
        if (l == null || !l.isOpen()) {
            return;
        }
        SENDING.set(Boolean.TRUE);
        try {
            l.send(Envelope.newBuilder().setLog(LogLine.newBuilder().setStream(stream)
                .setLine(new String(bytes, 0, end, StandardCharsets.UTF_8))).build());
        } catch (RuntimeException lost) {
            // The link went away: the line was printed here all the same.
        } finally {
            SENDING.remove();
        }
    }
}
