package dev.troupe.shared;

/**
 * A producer or consumer process for the queue tests. {@code produce QUEUE CAPACITY FROM TO PROGRESS} puts the
 * longs FROM..TO-1 and stores each one in the shared long PROGRESS once its put returned. {@code consume QUEUE
 * CAPACITY RECEIVED COUNT LENGTH} adds 1 to the shared int QUEUE-ready, then takes longs until it takes -1, adding
 * 1 to element {@code id} of the shared int array RECEIVED for each, and counting them in the shared long COUNT.
 */
public final class QueueChild {
    private QueueChild() {
    }

    /**
     * @param args the mode and its arguments.
     * @throws Exception to fail the process.
     */
    public static void main(String[] args) throws Exception {
        String mode = args[0];
        try (Queue<Long> queue = Queue.open(args[1], Long.class, 0, Integer.parseInt(args[2]))) {
            if (mode.equals("produce")) {
                long from = Long.parseLong(args[3]);
                long to = Long.parseLong(args[4]);
                try (Value.OfLong progress = Value.ofLong(args[5])) {
                    for (long i = from; i < to; i++) {
                        queue.put(i);
                        progress.set(i);
                    }
                }
            } else {
                try (Array.OfInt received = Array.ofInt(args[3], Integer.parseInt(args[5]));
                     Value.OfLong count = Value.ofLong(args[4]);
                     Value.OfInt ready = Value.ofInt(args[1] + "-ready")) {
                    ready.addAndGet(1);
                    while (true) {
                        long id = queue.get();
                        if (id < 0) {
                            break;
                        }
                        received.addAndGet((int) id, 1);
                        count.addAndGet(1);
                    }
                }
            }
        }
        System.exit(0);
    }
}
