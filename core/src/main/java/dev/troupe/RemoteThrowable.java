package dev.troupe;

/**
 * An exception thrown in another process, rebuilt from the wire: it prints with the remote class name, the
 * remote message and the remote stack trace, and its cause is the remote cause. The remote class itself need
 * not exist in this process.
 */
public final class RemoteThrowable extends Exception {
    private static final long serialVersionUID = 1L;

    private final String remoteClassName;
    private final String remoteMessage;

    /**
     * @param remoteClassName the remote exception's class name.
     * @param remoteMessage   its message, or {@code null}.
     * @param stackTrace      its stack trace.
     * @param cause           its cause, or {@code null}.
     */
    public RemoteThrowable(String remoteClassName, String remoteMessage, StackTraceElement[] stackTrace,
                           RemoteThrowable cause) {
        super(remoteMessage, cause, false, true);
        this.remoteClassName = remoteClassName;
        this.remoteMessage = remoteMessage;
        setStackTrace(stackTrace);
    }

    /**
     * @return the remote exception's fully qualified class name.
     */
    public String remoteClassName() {
        return remoteClassName;
    }

    /**
     * @return the remote exception's message, or {@code null}.
     */
    public String remoteMessage() {
        return remoteMessage;
    }

    @Override
    public String toString() {
        return remoteMessage == null ? remoteClassName : remoteClassName + ": " + remoteMessage;
    }
}
