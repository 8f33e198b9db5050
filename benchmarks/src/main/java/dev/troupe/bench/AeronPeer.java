package dev.troupe.bench;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;

/**
 * The Aeron IPC peer: {@code AeronPeer AERON_DIR N} joins the media driver the benchmark embedded, and echoes
 * N messages from stream 10 to stream 11 over {@code aeron:ipc}, busy-spinning as Aeron's own Pong sample does.
 */
public final class AeronPeer {
    static final String CHANNEL = "aeron:ipc";
    static final int PING_STREAM = 10;
    static final int PONG_STREAM = 11;

    private AeronPeer() {
    }

    public static void main(String[] args) {
        long n = Long.parseLong(args[1]);
        try (Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(args[0]));
             Subscription sub = aeron.addSubscription(CHANNEL, PING_STREAM);
             Publication pub = aeron.addExclusivePublication(CHANNEL, PONG_STREAM)) {
            long[] echoed = {0};
            FragmentHandler echo = (buffer, offset, length, header) -> {
                while (pub.offer(buffer, offset, length) < 0) {
                    Thread.onSpinWait();
                }
                echoed[0]++;
            };
            while (echoed[0] < n) {
                if (sub.poll(echo, 16) == 0) {
                    Thread.onSpinWait();
                }
            }
        }
    }
}
