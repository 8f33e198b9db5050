package dev.troupe.internal;

/**
 * INTERNAL API. Constants of the wire protocol and of the node-to-worker launch contract.
 */
public final class Protocol {

    /** The protocol version in {@code Hello} and {@code Welcome}; peers with another version are refused. */
    public static final int VERSION = 2;

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
    /** Environment variable: the Java serialization filter pattern. */
    public static final String ENV_SERIAL_FILTER = "TROUPE_SERIAL_FILTER";
    /** Environment variable: whether values may use Java serialization ({@code true}/{@code false}). */
    public static final String ENV_JAVA_VALUES = "TROUPE_JAVA_VALUES";

    /** Exit code of a worker whose node went away. */
    public static final int EXIT_PARENT_GONE = 70;
    /** Exit code of a worker the node refused or that could not connect. */
    public static final int EXIT_HANDSHAKE_FAILED = 71;
    /** Exit code of a spawned worker whose task threw (Python's {@code Process} uses 1 too). */
    public static final int EXIT_TASK_FAILED = 1;

    private Protocol() {
    }
}
