package dev.troupe.internal.node;

import dev.troupe.internal.WorkerLaunch;
import dev.troupe.spi.support.ProcessConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * INTERNAL API. The recipe of a worker JVM: its command line (java, JVM options, class path, main class) and the
 * environment that carries the launch contract of {@link WorkerLaunch} and the node's settings a worker needs.
 * Immutable and thread-safe.
 */
final class WorkerLauncher {
    private final NodeSettings settings;
    private final String connectAddress;
    private final String transportName;
    private final Path runDirectory;
    private final ClassLoader nodeLoader;

    /**
     * @param settings       the node's settings.
     * @param connectAddress where the worker connects back to.
     * @param transportName  the transport of that address, whose options the worker gets.
     * @param runDirectory   the node's run directory.
     * @param nodeLoader     the class loader of the node's user code (the context class loader of the thread that
     *                       started the node).
     */
    WorkerLauncher(NodeSettings settings, String connectAddress, String transportName, Path runDirectory,
                   ClassLoader nodeLoader) {
        this.settings = settings;
        this.connectAddress = connectAddress;
        this.transportName = transportName;
        this.runDirectory = runDirectory;
        this.nodeLoader = nodeLoader;
    }

    static WorkerLauncher of(NodeContext node) {
        return new WorkerLauncher(node.settings, node.server.address(), node.server.transportName(),
            node.runDirectory.path(), node.loader);
    }

    /**
     * The command line.
     *
     * @param jvmOptions options added after the configured ones.
     * @return the command and its arguments.
     */
    List<String> command(List<String> jvmOptions) {
        List<String> cmd = new ArrayList<>();
        cmd.add(settings.workerJava.isBlank()
            ? ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java")
            : settings.workerJava);
        if (settings.workerJava.isBlank() && Runtime.version().feature() >= 23) {
            // Agrona (the shm transport) uses sun.misc.Unsafe memory access, which JDK 23+ warns about on stderr
            // at every start; the flag does not exist before 23, so it is added only for this JVM's own java.
            cmd.add("--sun-misc-unsafe-memory-access=allow");
        }
        cmd.addAll(settings.workerJvmOptions);
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(settings.workerClasspath.isBlank() ? System.getProperty("java.class.path") : settings.workerClasspath);
        cmd.add(WorkerLaunch.WORKER_MAIN);
        return cmd;
    }

    /**
     * The variables added to the worker's environment.
     *
     * @param workerId the worker's id.
     * @param token    the launch token it proves itself with.
     * @return the variables, by name.
     */
    Map<String, String> environment(String workerId, byte[] token) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put(WorkerLaunch.ENV_CONNECT, connectAddress);
        env.put(WorkerLaunch.ENV_WORKER_ID, workerId);
        env.put(WorkerLaunch.ENV_TOKEN, Base64.getEncoder().encodeToString(token));
        env.put(WorkerLaunch.ENV_PARENT_PID, Long.toString(ProcessHandle.current().pid()));
        env.put(WorkerLaunch.ENV_RUN_DIR, runDirectory.toString());
        env.put(WorkerLaunch.ENV_MAX_FRAME, Integer.toString(settings.maxFrameBytes));
        env.put(WorkerLaunch.ENV_MAX_PENDING_WRITE, Integer.toString(settings.maxPendingWriteBytes));
        env.put(WorkerLaunch.ENV_IDLE_SPIN_NANOS, Long.toString(settings.workerIdleSpin.toNanos()));
        env.put(WorkerLaunch.ENV_SERIAL_FILTER, settings.serialFilter);
        env.put(WorkerLaunch.ENV_JAVA_VALUES, Boolean.toString(settings.javaValues));
        Map<String, String> options = settings.transportOptions(transportName);
        if (!options.isEmpty()) {
            env.put(WorkerLaunch.ENV_TRANSPORT_OPTIONS, WorkerLaunch.encodeOptions(options));
        }
        Map<String, String> inherited = settings.inheritedSettings();
        if (!inherited.isEmpty()) {
            env.put(WorkerLaunch.ENV_INHERITED_SETTINGS, ProcessConfig.encode(inherited));
        }
        return env;
    }
}
