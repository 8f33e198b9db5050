package dev.troupe.internal.node;

import dev.troupe.internal.WorkerLaunch;
import dev.troupe.spi.TransportProvider;
import dev.troupe.spi.Transports;
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
    /** What the JVM prints when the main class is not on the class path. */
    static final String MAIN_CLASS_MISSING = "Could not find or load main class";

    private final NodeSettings settings;
    private final String connectAddress;
    private final String transportName;
    private final Path runDirectory;
    private final ClassLoader nodeLoader;
    /** The class-data archives of workers, or {@code null} for none. */
    private final ClassDataArchive classData;

    /**
     * @param settings       the node's settings.
     * @param connectAddress where the worker connects back to.
     * @param transportName  the transport of that address, whose options the worker gets.
     * @param runDirectory   the node's run directory.
     * @param nodeLoader     the class loader of the node's user code (the context class loader of the thread that
     *                       started the node); its URLs go on the class path.
     */
    WorkerLauncher(NodeSettings settings, String connectAddress, String transportName, Path runDirectory,
                   ClassLoader nodeLoader) {
        this(settings, connectAddress, transportName, runDirectory, nodeLoader, null);
    }

    /**
     * @param classData the class-data archives workers start from, or {@code null} for none.
     */
    WorkerLauncher(NodeSettings settings, String connectAddress, String transportName, Path runDirectory,
                   ClassLoader nodeLoader, ClassDataArchive classData) {
        this.classData = classData;
        this.settings = settings;
        this.connectAddress = connectAddress;
        this.transportName = transportName;
        this.runDirectory = runDirectory;
        this.nodeLoader = nodeLoader;
    }

    static WorkerLauncher of(NodeContext node) {
        return new WorkerLauncher(node.settings, node.server.address(), node.server.transportName(),
            node.runDirectory.path(), node.loader, node.classData);
    }

    /**
     * The command line.
     *
     * @param jvmOptions  options added after the configured ones.
     * @param taskClasses classes the worker must load (a spawned task's), whose jar or directory is added to the
     *                    class path when it is not already on it.
     * @return the command and its arguments.
     */
    List<String> command(List<String> jvmOptions, List<Class<?>> taskClasses) {
        List<String> cmd = new ArrayList<>();
        String java = java();
        cmd.add(java);
        if (settings.workerJava.isBlank() && Runtime.version().feature() >= 23) {
            // Agrona (the shm transport) uses sun.misc.Unsafe memory access, which JDK 23+ warns about on stderr
            // at every start; the flag does not exist before 23, so it is added only for this JVM's own java.
            cmd.add("--sun-misc-unsafe-memory-access=allow");
        }
        cmd.addAll(settings.workerJvmOptions);
        cmd.addAll(jvmOptions);
        String classpath = classpath(taskClasses);
        if (classData != null) {
            List<String> options = List.copyOf(cmd.subList(1, cmd.size()));
            cmd.addAll(classData.options(java, options, classpath, jvmOptions, taskClasses));
        }
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(WorkerLaunch.WORKER_MAIN);
        return cmd;
    }

    private static final Map<String, String> PROVIDER_CLASSES = new java.util.concurrent.ConcurrentHashMap<>();

    /** The class name of the provider of a transport, or {@code null} when there is none by that name. */
    private static String providerClass(String transport) {
        String known = PROVIDER_CLASSES.get(transport);
        if (known != null) {
            return known;
        }
        for (TransportProvider p : Transports.all()) {
            if (p.name().equals(transport)) {
                PROVIDER_CLASSES.put(transport, p.getClass().getName());
                return p.getClass().getName();
            }
        }
        return null;
    }

    /** The java executable of workers. */
    String java() {
        return settings.workerJava.isBlank()
            ? ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java")
            : settings.workerJava;
    }

    /**
     * The worker's class path: {@code troupe.worker.classpath} when set, else assembled by {@link WorkerClasspath}
     * from this JVM's class path, the node's and Troupe's class loaders, and the code sources of Troupe, of every
     * transport found and of the task classes.
     *
     * @param taskClasses see {@link #command}.
     * @return the class path.
     */
    String classpath(List<Class<?>> taskClasses) {
        if (!settings.workerClasspath.isBlank()) {
            return settings.workerClasspath;
        }
        List<Class<?>> anchors = new ArrayList<>();
        anchors.add(WorkerLaunch.class);
        for (TransportProvider p : Transports.all()) {
            anchors.add(p.getClass());
        }
        anchors.addAll(taskClasses);
        List<ClassLoader> loaders = new ArrayList<>();
        loaders.add(nodeLoader);
        loaders.add(WorkerLaunch.class.getClassLoader());
        return WorkerClasspath.join(WorkerClasspath.entries(System.getProperty("java.class.path"), loaders, anchors));
    }

    /**
     * The variables added to the worker's environment.
     *
     * @param workerId the worker's id.
     * @param token    the launch token it proves itself with.
     * @return the variables, by name.
     */
    Map<String, String> environment(String workerId, byte[] token) {
        return environment(workerId, token, settings.transportOptions(transportName));
    }

    /**
     * The variables added to the worker's environment, with the given transport options.
     *
     * @param workerId the worker's id.
     * @param token    the launch token it proves itself with.
     * @param options  the options of its transport.
     * @return the variables, by name.
     */
    Map<String, String> environment(String workerId, byte[] token, Map<String, String> options) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put(WorkerLaunch.ENV_CONNECT, connectAddress);
        String providerClass = providerClass(transportName);
        if (providerClass != null) {
            env.put(WorkerLaunch.ENV_TRANSPORT_CLASS, providerClass);
        }
        env.put(WorkerLaunch.ENV_WORKER_ID, workerId);
        env.put(WorkerLaunch.ENV_TOKEN, Base64.getEncoder().encodeToString(token));
        env.put(WorkerLaunch.ENV_PARENT_PID, Long.toString(ProcessHandle.current().pid()));
        env.put(WorkerLaunch.ENV_RUN_DIR, runDirectory.toString());
        env.put(WorkerLaunch.ENV_MAX_FRAME, Integer.toString(settings.maxFrameBytes));
        env.put(WorkerLaunch.ENV_MAX_PENDING_WRITE, Integer.toString(settings.maxPendingWriteBytes));
        // Over TCP an idle worker parks at once: its polls would take the CPU from the event loop that brings the
        // next task (a lent worker's round trip went from about 50 to 170 us with them).
        env.put(WorkerLaunch.ENV_IDLE_SPIN_NANOS, connectAddress.startsWith("tcp:") ? "0"
            : Long.toString(settings.workerIdleSpin.toNanos()));
        env.put(WorkerLaunch.ENV_SERIAL_FILTER, settings.serialFilter);
        env.put(WorkerLaunch.ENV_JAVA_VALUES, Boolean.toString(settings.javaValues));
        env.put(WorkerLaunch.ENV_MAX_DECODE_NANOS, Long.toString(settings.maxDecodeNanos));
        if (!options.isEmpty()) {
            env.put(WorkerLaunch.ENV_TRANSPORT_OPTIONS, WorkerLaunch.encodeOptions(options));
        }
        Map<String, String> inherited = settings.inheritedSettings();
        if (!inherited.isEmpty()) {
            env.put(WorkerLaunch.ENV_INHERITED_SETTINGS, ProcessConfig.encode(inherited));
        }
        return env;
    }

    /**
     * What to add to a start failure whose error output is {@code stderrTail}: how to fix a class path that lacks
     * the worker's main class, or nothing.
     *
     * @param stderrTail the last lines the worker wrote to stderr.
     * @param command    the command it was started with.
     * @return the advice, starting with a line break, or an empty string.
     */
    static String adviceFor(String stderrTail, List<String> command) {
        if (!stderrTail.contains(MAIN_CLASS_MISSING) && !stderrTail.contains("ClassNotFoundException: "
            + WorkerLaunch.WORKER_MAIN)) {
            return "";
        }
        int cp = command.indexOf("-cp");
        String classpath = cp >= 0 && cp + 1 < command.size() ? command.get(cp + 1) : "?";
        if (classpath.length() > 2000) {
            classpath = classpath.substring(0, 2000) + "...";
        }
        return "\nThe worker JVM cannot load Troupe's worker class from its class path: " + classpath
            + "\nSet troupe.worker.classpath to a class path that holds troupe-core, the transport's jar, their"
            + " dependencies and your task classes (for example the output of `mvn dependency:build-classpath` plus"
            + " target/classes).";
    }
}
