package dev.troupe;

/**
 * The base of Troupe's unchecked exceptions.
 */
public class TroupeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what went wrong.
     */
    public TroupeException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong.
     * @param cause   the underlying error.
     */
    public TroupeException(String message, Throwable cause) {
        super(message, cause);
    }
}
