package dev.troupe.shared;

import dev.troupe.TroupeException;

/**
 * The other end of a {@link Connection} is gone: it was closed, or its process exited or was killed. Thrown by
 * {@code recv} once every message sent before that has been received (Python's {@code EOFError}), and by
 * {@code send} (Python's {@code BrokenPipeError}).
 */
public class ConnectionClosedException extends TroupeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what was closed, and how.
     */
    public ConnectionClosedException(String message) {
        super(message);
    }

    /**
     * @param message what was closed, and how.
     * @param cause   the underlying failure.
     */
    public ConnectionClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
