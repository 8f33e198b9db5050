package dev.troupe.bench;

import dev.troupe.shared.Array;
import dev.troupe.shared.Subscription;
import dev.troupe.shared.Topic;
import dev.troupe.shared.Value;
import java.time.Duration;

/**
 * A subscriber of {@code topic_fanout}: {@code TopicPeer TOPIC CAPACITY READY RESULT} subscribes, adds 1 to the
 * shared long READY, receives until an empty message, and stores in the shared long array RESULT the messages
 * received, the messages lost, and {@code System.nanoTime()} after the last one (monotonic across processes on
 * Linux). It stores the count received every {@value #PROGRESS_EVERY} messages too.
 */
public final class TopicPeer {
    static final int PROGRESS_EVERY = 4096;

    private TopicPeer() {
    }

    public static void main(String[] args) throws Exception {
        try (Topic<byte[]> topic = Topic.open(args[0], byte[].class, Integer.parseInt(args[1]));
             Subscription<byte[]> subscription = topic.subscribe();
             Value.OfLong ready = Value.ofLong(args[2]);
             Array.OfLong result = Array.ofLong(args[3], 3)) {
            ready.addAndGet(1);
            long received = 0;
            while (true) {
                byte[] m = subscription.receive(Duration.ofSeconds(60));
                if (m == null) {
                    throw new IllegalStateException("no message for 60 s");
                }
                if (m.length == 0) {
                    break;
                }
                if ((++received & (PROGRESS_EVERY - 1)) == 0) {
                    result.set(0, received); // for a publisher that keeps within the ring of the slowest
                }
            }
            long end = System.nanoTime();
            result.set(0, received);
            result.set(1, subscription.lost());
            result.set(2, end);
        }
        System.exit(0);
    }
}
