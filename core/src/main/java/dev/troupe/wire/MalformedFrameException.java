package dev.troupe.wire;

import java.io.IOException;

/**
 * Bytes on a link that are not a valid frame: a bad length prefix, a frame over the maximum size, or bytes
 * that are not an envelope. The link they arrived on is closed; nothing else is affected.
 */
public class MalformedFrameException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what was wrong and where.
     */
    public MalformedFrameException(String message) {
        super(message);
    }

    /**
     * @param message what was wrong and where.
     * @param cause   the parser's error.
     */
    public MalformedFrameException(String message, Throwable cause) {
        super(message, cause);
    }
}
