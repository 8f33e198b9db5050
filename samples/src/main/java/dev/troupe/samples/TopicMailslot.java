package dev.troupe.samples;

import dev.troupe.Troupe;
import dev.troupe.WorkerProcess;
import dev.troupe.shared.Semaphore;
import dev.troupe.shared.Subscription;
import dev.troupe.shared.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A mailslot with many readers: three worker processes subscribe to a named {@link Topic}; this process and a
 * fourth worker publish to it, and every subscriber gets every message, in order per publisher. A subscriber
 * that fell more than the topic's ring behind would lose the oldest messages and be told how many
 * ({@link Subscription#lost()}); these keep up.
 */
public final class TopicMailslot {
    private static final String NAME = "sample-mailslot-" + ProcessHandle.current().pid();

    private TopicMailslot() {
    }

    static String listen(String name) throws InterruptedException {
        try (Topic<String> topic = Topic.open(name, String.class, 64 * 1024);
             Subscription<String> mail = topic.subscribe();
             Semaphore ready = Semaphore.open(name + "-ready", 0)) {
            ready.release(); // subscribed: from here on it gets every message
            List<String> got = new ArrayList<>();
            while (true) {
                String m = mail.receive(Duration.ofSeconds(30));
                if (m == null) {
                    throw new IllegalStateException("no message for 30 s");
                }
                if (m.equals("bye")) {
                    break;
                }
                got.add(m);
            }
            return "pid " + ProcessHandle.current().pid() + " got " + got.size() + " messages, lost "
                + mail.lost() + ": " + got;
        }
    }

    static Integer announce(String name) {
        try (Topic<String> topic = Topic.open(name, String.class, 64 * 1024)) {
            for (int i = 1; i <= 3; i++) {
                topic.publish("worker " + ProcessHandle.current().pid() + " #" + i);
            }
            return 3;
        }
    }

    public static void main(String[] args) throws Exception {
        try (Troupe troupe = Troupe.local();
             Topic<String> topic = Topic.open(NAME, String.class, 64 * 1024);
             Semaphore ready = Semaphore.open(NAME + "-ready", 0)) {
            List<WorkerProcess<String>> listeners = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                listeners.add(troupe.spawn(TopicMailslot::listen, NAME));
            }
            for (int i = 0; i < listeners.size(); i++) {
                if (!ready.tryAcquire(Duration.ofSeconds(60))) {
                    throw new IllegalStateException("a listener did not subscribe");
                }
            }
            WorkerProcess<Integer> announcer = troupe.spawn(TopicMailslot::announce, NAME);
            for (int i = 1; i <= 3; i++) {
                topic.publish("main " + ProcessHandle.current().pid() + " #" + i);
            }
            announcer.result().get(60, TimeUnit.SECONDS);
            topic.publish("bye");
            for (WorkerProcess<String> l : listeners) {
                System.out.println(l.result().get(60, TimeUnit.SECONDS));
            }
        } finally {
            Topic.unlink(NAME);
            Semaphore.unlink(NAME + "-ready");
        }
    }
}
