package dev.troupe.shared;

import java.time.Duration;

/**
 * A publisher or subscriber process for the topic tests. Messages are longs: {@code publisher << 32 | index}, and
 * -1 ends a subscriber.
 *
 * <ul>
 * <li>{@code publish TOPIC CAPACITY PUBLISHER COUNT PAUSE_EVERY PROGRESS}: publishes indices 0..COUNT-1 (all of
 * them when COUNT is negative: until killed), sleeping 1 ms every PAUSE_EVERY messages, storing each index in the
 * shared long PROGRESS once its publish returned.</li>
 * <li>{@code subscribe TOPIC CAPACITY SLOW_MILLIS READY RESULT}: subscribes, adds 1 to the shared long READY, and
 * receives until -1. While SLOW_MILLIS is positive it sleeps that long after each message until it has lost
 * {@value #SLOW_UNTIL_LOST} or received {@value #SLOW_UNTIL_RECEIVED}; then it reads at full speed. It stores in
 * the shared long array RESULT (6 elements): messages received (without the -1), lost, messages out of order or
 * repeated, messages of publisher 0, of publisher 1, and 1 when done.</li>
 * </ul>
 */
public final class TopicChild {
    static final long SLOW_UNTIL_LOST = 50_000;
    static final long SLOW_UNTIL_RECEIVED = 5_000;

    private TopicChild() {
    }

    /**
     * @param args the mode and its arguments.
     * @throws Exception to fail the process.
     */
    public static void main(String[] args) throws Exception {
        String mode = args[0];
        try (Topic<Long> topic = Topic.open(args[1], Long.class, Integer.parseInt(args[2]))) {
            if (mode.equals("publish")) {
                long publisher = Long.parseLong(args[3]);
                long count = Long.parseLong(args[4]);
                int pauseEvery = Integer.parseInt(args[5]);
                try (Value.OfLong progress = Value.ofLong(args[6])) {
                    for (long i = 0; count < 0 || i < count; i++) {
                        topic.publish(publisher << 32 | i);
                        progress.set(i);
                        if (pauseEvery > 0 && i % pauseEvery == pauseEvery - 1) {
                            Thread.sleep(1);
                        }
                    }
                }
            } else {
                subscribe(topic, Long.parseLong(args[3]), args[4], args[5]);
            }
        }
        System.exit(0);
    }

    private static void subscribe(Topic<Long> topic, long slowMillis, String ready, String result)
        throws InterruptedException {
        try (Subscription<Long> subscription = topic.subscribe();
             Value.OfLong readyCount = Value.ofLong(ready);
             Array.OfLong out = Array.ofLong(result, 6)) {
            readyCount.addAndGet(1);
            long[] last = {-1, -1};
            long received = 0;
            long disorder = 0;
            long[] perPublisher = new long[2];
            while (true) {
                Long m = subscription.receive(Duration.ofSeconds(60));
                if (m == null) {
                    throw new IllegalStateException("no message for 60 s");
                }
                if (m == -1L) {
                    break;
                }
                int publisher = (int) (m >>> 32);
                long index = m & 0xffffffffL;
                if (index <= last[publisher]) {
                    disorder++;
                }
                last[publisher] = index;
                perPublisher[publisher]++;
                received++;
                if (slowMillis > 0 && subscription.lost() < SLOW_UNTIL_LOST && received < SLOW_UNTIL_RECEIVED) {
                    Thread.sleep(slowMillis);
                }
            }
            out.set(0, received);
            out.set(1, subscription.lost());
            out.set(2, disorder);
            out.set(3, perPublisher[0]);
            out.set(4, perPublisher[1]);
            out.set(5, 1);
        }
    }
}
