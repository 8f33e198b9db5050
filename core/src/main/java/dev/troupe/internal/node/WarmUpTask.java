package dev.troupe.internal.node;

import dev.troupe.Task;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * INTERNAL API. The task a worker runs for the node itself: a class-data training run ({@link ClassDataArchive})
 * runs it before its JVM writes the archive, and a spare worker ({@link Spares}) runs it while it waits, so that
 * the first task it is given finds the code that reads and runs tasks loaded and linked. A serializable lambda, as
 * most tasks are; kept apart from the node's classes so that the worker loads nothing else of the node.
 */
final class WarmUpTask {
    /**
     * The task. It also looks up a resource that does not exist, which opens every jar of the class path (a class
     * loader opens each one when it first looks in it), so that loading the classes of the task a spare is given
     * reads no jar's directory.
     */
    static final Task<String, Integer> TASK = s -> {
        ClassLoader loader = WarmUpTask.class.getClassLoader();
        return loader != null && loader.getResource("dev/troupe/internal/node/warm-up-probe") != null ? -1
            : s.length();
    };
    /** Its input. */
    static final String INPUT = "warm-up";

    private WarmUpTask() {
    }

    /** A sink for a warm-up run, whose outcome matters to no one. */
    static TaskSink sink() {
        return new TaskSink() {
            private final AtomicBoolean done = new AtomicBoolean();

            @Override
            public void succeed(List<Object> outputs) {
                done.set(true);
            }

            @Override
            public void fail(Throwable error) {
                done.set(true);
            }

            @Override
            public boolean isDone() {
                return done.get();
            }
        };
    }
}
