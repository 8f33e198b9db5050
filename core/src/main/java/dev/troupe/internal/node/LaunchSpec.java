package dev.troupe.internal.node;

import java.util.List;
import java.util.Map;

/**
 * INTERNAL API. What to start.
 *
 * @param id          node-unique id ({@code w-3} for workers, {@code x-1} for executables).
 * @param worker      {@code true} for a worker JVM, {@code false} for an arbitrary executable.
 * @param command     for an executable: the command and its arguments; ignored for workers.
 * @param jvmOptions  for a worker: options added after the configured ones.
 * @param environment variables added to the child's environment.
 * @param job         for a spawned worker: the one task it runs before it exits; {@code null} for pool workers.
 * @param taskClasses for a worker: classes it must load whose jar or directory goes on its class path when the
 *                    class path is assembled (the task of a spawned worker).
 */
record LaunchSpec(String id, boolean worker, List<String> command, List<String> jvmOptions,
                  Map<String, String> environment, InFlightTask job, List<Class<?>> taskClasses) {

    LaunchSpec {
        taskClasses = List.copyOf(taskClasses);
    }

    /** A launch with no task classes of its own. */
    LaunchSpec(String id, boolean worker, List<String> command, List<String> jvmOptions,
               Map<String, String> environment, InFlightTask job) {
        this(id, worker, command, jvmOptions, environment, job, List.of());
    }
}
