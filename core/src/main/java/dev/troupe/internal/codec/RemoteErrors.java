package dev.troupe.internal.codec;

import dev.troupe.RemoteThrowable;
import dev.troupe.wire.StackFrame;
import dev.troupe.wire.RemoteError;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * INTERNAL API. Turns a {@link Throwable} into its wire form and back, keeping class names, messages, stack
 * traces and the cause chain (bounded, so a pathological exception cannot blow up a frame).
 */
public final class RemoteErrors {
    private static final int MAX_CAUSES = 16;
    private static final int MAX_FRAMES = 512;
    private static final int MAX_MESSAGE_CHARS = 16 * 1024;

    private RemoteErrors() {
    }

    /**
     * @param t the exception.
     * @return its wire form.
     */
    public static RemoteError toWire(Throwable t) {
        return toWire(t, 0, new IdentityHashMap<>());
    }

    private static RemoteError toWire(Throwable t, int depth, Map<Throwable, Boolean> seen) {
        seen.put(t, Boolean.TRUE);
        RemoteError.Builder b = RemoteError.newBuilder().setClassName(t.getClass().getName());
        String message = t.getMessage();
        if (message != null) {
            b.setMessage(message.length() > MAX_MESSAGE_CHARS ? message.substring(0, MAX_MESSAGE_CHARS) + "..."
                : message);
        }
        StackTraceElement[] stack = t.getStackTrace();
        for (int i = 0; i < stack.length && i < MAX_FRAMES; i++) {
            StackTraceElement e = stack[i];
            StackFrame.Builder f = StackFrame.newBuilder().setClassName(e.getClassName())
                .setMethodName(e.getMethodName()).setLineNumber(e.getLineNumber());
            if (e.getFileName() != null) {
                f.setFileName(e.getFileName());
            }
            b.addStack(f);
        }
        Throwable cause = t.getCause();
        if (cause != null && depth < MAX_CAUSES && !seen.containsKey(cause)) {
            b.setCause(toWire(cause, depth + 1, seen));
        }
        return b.build();
    }

    /**
     * @param error the wire form.
     * @return a throwable that prints as the remote one did.
     */
    public static RemoteThrowable fromWire(RemoteError error) {
        RemoteThrowable cause = error.hasCause() ? fromWire(error.getCause()) : null;
        StackTraceElement[] stack = new StackTraceElement[error.getStackCount()];
        for (int i = 0; i < stack.length; i++) {
            StackFrame f = error.getStack(i);
            stack[i] = new StackTraceElement(f.getClassName(), f.getMethodName(),
                f.getFileName().isEmpty() ? null : f.getFileName(), f.getLineNumber());
        }
        return new RemoteThrowable(error.getClassName(), error.getMessage().isEmpty() ? null : error.getMessage(),
            stack, cause);
    }
}
