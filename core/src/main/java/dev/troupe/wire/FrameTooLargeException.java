package dev.troupe.wire;

/**
 * An envelope is larger than the link's maximum frame size ({@code troupe.max-frame-size}) and was not sent.
 */
public class FrameTooLargeException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /**
     * @param size the envelope's size in bytes.
     * @param max  the maximum.
     */
    public FrameTooLargeException(long size, int max) {
        super("message of " + size + " bytes exceeds the maximum frame size of " + max
            + " bytes (troupe.max-frame-size)");
    }
}
