package dev.troupe.internal;

/**
 * INTERNAL API. The node-to-worker launch contract: the worker's main class, the environment a node starts it
 * with, and its exit codes. The wire protocol's version is {@link dev.troupe.wire.WireProtocol#VERSION}.
 */
public final class WorkerLaunch {

    /** The main class of a worker JVM. */
    public static final String WORKER_MAIN = "dev.troupe.internal.worker.WorkerMain";

    /** Environment variable: the address the worker connects to, such as {@code pipe:/tmp/.../node-1.sock}. */
    public static final String ENV_CONNECT = "TROUPE_CONNECT";
    /** Environment variable: the worker's id. */
    public static final String ENV_WORKER_ID = "TROUPE_WORKER_ID";
    /** Environment variable: the launch token the worker proves itself with (Base64); never on the command line. */
    public static final String ENV_TOKEN = "TROUPE_TOKEN";
    /** Environment variable: the pid of the node; the worker exits when it is gone. */
    public static final String ENV_PARENT_PID = "TROUPE_PARENT_PID";
    /** Environment variable: the run directory the transport may use. */
    public static final String ENV_RUN_DIR = "TROUPE_RUN_DIR";
    /** Environment variable: maximum frame size in bytes. */
    public static final String ENV_MAX_FRAME = "TROUPE_MAX_FRAME_BYTES";
    /** Environment variable: bytes of outbound frames the worker's link buffers before a send blocks. */
    public static final String ENV_MAX_PENDING_WRITE = "TROUPE_MAX_PENDING_WRITE_BYTES";
    /** Environment variable: nanoseconds an idle worker polls for its next task before it parks. */
    public static final String ENV_IDLE_SPIN_NANOS = "TROUPE_IDLE_SPIN_NANOS";
    /**
     * Environment variable: the node's settings that code with no node at hand reads in the worker (see
     * {@link dev.troupe.spi.support.ProcessConfig}).
     */
    public static final String ENV_INHERITED_SETTINGS = dev.troupe.spi.support.ProcessConfig.ENV_INHERITED;
    /** Environment variable: the Java serialization filter pattern. */
    public static final String ENV_SERIAL_FILTER = "TROUPE_SERIAL_FILTER";
    /** Environment variable: whether values may use Java serialization ({@code true}/{@code false}). */
    public static final String ENV_JAVA_VALUES = "TROUPE_JAVA_VALUES";
    /** Environment variable: how long reading one Java-serialized value may take, in nanoseconds (0: no limit). */
    public static final String ENV_MAX_DECODE_NANOS = "TROUPE_MAX_DECODE_NANOS";

    /**
     * Environment variable: the options of the transport ({@code troupe.<transport>} settings such as the TCP
     * secret file), one {@code key=value} a line. Never a secret itself: secrets come from files or inherited
     * variables.
     */
    public static final String ENV_TRANSPORT_OPTIONS = "TROUPE_TRANSPORT_OPTIONS";

    /**
     * Environment variable: the class name of the transport provider of {@link #ENV_CONNECT}'s address, which the
     * worker then loads at once instead of looking for providers in every jar of its class path (tens of
     * milliseconds of its start on a long class path).
     */
    public static final String ENV_TRANSPORT_CLASS = "TROUPE_TRANSPORT_CLASS";

    /** Environment variable: the host name the worker gives in its Hello (default: {@code HOSTNAME}). */
    public static final String ENV_HOST = "TROUPE_HOST";

    /** Exit code of a worker whose node went away. */
    public static final int EXIT_PARENT_GONE = 70;
    /** Exit code of a worker the node refused or that could not connect. */
    public static final int EXIT_HANDSHAKE_FAILED = 71;
    /** Exit code of a spawned worker whose task threw (Python's {@code Process} uses 1 too). */
    public static final int EXIT_TASK_FAILED = 1;

    private WorkerLaunch() {
    }

    /**
     * Encodes transport options for {@link #ENV_TRANSPORT_OPTIONS}.
     *
     * @param options the options; keys and values must not hold line breaks.
     * @return the text.
     */
    public static String encodeOptions(java.util.Map<String, String> options) {
        StringBuilder sb = new StringBuilder();
        for (java.util.Map.Entry<String, String> e : options.entrySet()) {
            if (e.getKey().indexOf('\n') >= 0 || e.getValue().indexOf('\n') >= 0) {
                throw new IllegalArgumentException("transport option " + e.getKey() + " holds a line break");
            }
            sb.append(e.getKey()).append('=').append(e.getValue()).append('\n');
        }
        return sb.toString();
    }

    /**
     * Decodes {@link #encodeOptions}.
     *
     * @param text the text, or {@code null}.
     * @return the options, empty for {@code null}.
     */
    public static java.util.Map<String, String> decodeOptions(String text) {
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        if (text != null) {
            for (String line : text.split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    out.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
        }
        return out;
    }
}
