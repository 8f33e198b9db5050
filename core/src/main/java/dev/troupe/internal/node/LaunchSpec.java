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
 */
record LaunchSpec(String id, boolean worker, List<String> command, List<String> jvmOptions,
                  Map<String, String> environment, InFlightTask job) {
}
