package dev.troupe.bench;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import org.agrona.concurrent.IdleStrategy;

/**
 * The Aeron IPC peer: {@code AeronPeer AERON_DIR} joins the media driver the benchmark embedded, and echoes every
 * message from stream 10 to stream 11 over {@code aeron:ipc} until one of {@link #STOP_LENGTH} bytes arrives. It
 * busy-spins while messages come, as Aeron's own Pong sample does, and backs off to sleep between blocks.
 */
public final class AeronPeer {
    static final String CHANNEL = "aeron:ipc";
    static final int PING_STREAM = 10;
    static final int PONG_STREAM = 11;
    static final int STOP_LENGTH = 1;

    private AeronPeer() {
    }

    public static void main(String[] args) {
        try (Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(args[0]));
             Subscription sub = aeron.addSubscription(CHANNEL, PING_STREAM);
             Publication pub = aeron.addExclusivePublication(CHANNEL, PONG_STREAM)) {
            boolean[] stop = {false};
            FragmentHandler echo = (buffer, offset, length, header) -> {
                if (length == STOP_LENGTH) {
                    stop[0] = true;
                    return;
                }
                while (pub.offer(buffer, offset, length) < 0) {
                    Thread.onSpinWait();
                }
            };
            IdleStrategy idle = RingPeer.idleBetweenBlocks();
            while (!stop[0]) {
                idle.idle(sub.poll(echo, 16));
            }
        }
    }
}
