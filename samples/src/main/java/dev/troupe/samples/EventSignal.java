package dev.troupe.samples;

import dev.troupe.Troupe;
import dev.troupe.WorkerProcess;
import dev.troupe.shared.Event;
import dev.troupe.shared.Semaphore;
import dev.troupe.shared.Waits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Worker processes wait for a named event that this process sets, pass through a named semaphore that admits
 * two at a time, and post a "done" semaphore; this process waits on two objects at once with {@link Waits#any},
 * as Win32's {@code WaitForMultipleObjects} does.
 */
public final class EventSignal {
    private static final String NAME = "sample-signal-" + ProcessHandle.current().pid();

    private EventSignal() {
    }

    static String work(String name) throws InterruptedException {
        try (Event go = Event.open(name + "-go"); Semaphore two = Semaphore.open(name + "-two", 2);
             Semaphore done = Semaphore.open(name + "-done", 0)) {
            go.await();
            two.acquire();
            try {
                Thread.sleep(200); // at most two processes are here at once
            } finally {
                two.release();
            }
            done.release();
            return "pid " + ProcessHandle.current().pid() + " went through";
        }
    }

    public static void main(String[] args) throws Exception {
        try (Troupe troupe = Troupe.local();
             Event go = Event.open(NAME + "-go");
             Semaphore done = Semaphore.open(NAME + "-done", 0);
             Event never = Event.open(NAME + "-never")) {
            List<WorkerProcess<String>> workers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                workers.add(troupe.spawn(EventSignal::work, NAME));
            }
            Thread.sleep(1_000);
            System.out.println("setting the event for " + workers.size() + " waiting processes");
            go.set();
            for (int i = 0; i < workers.size(); i++) {
                int which = Waits.any(Duration.ofSeconds(30), never, done);
                System.out.println("Waits.any returned " + which + (which == 1 ? ": a worker posted 'done'"
                    : which == 0 ? ": 'never' was set?" : ": timed out"));
            }
            for (WorkerProcess<String> w : workers) {
                System.out.println(w.result().get());
            }
        } finally {
            Event.unlink(NAME + "-go");
            Semaphore.unlink(NAME + "-done");
            Event.unlink(NAME + "-never");
            Semaphore.unlink(NAME + "-two");
        }
    }
}
