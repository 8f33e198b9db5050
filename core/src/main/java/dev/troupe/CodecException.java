package dev.troupe;

/**
 * A value cannot cross the process boundary: no codec can encode its type, or its bytes cannot be decoded
 * on the other side. The message names the type.
 */
public class CodecException extends TroupeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what could not be encoded or decoded, naming its type.
     */
    public CodecException(String message) {
        super(message);
    }

    /**
     * @param message what could not be encoded or decoded, naming its type.
     * @param cause   the underlying error.
     */
    public CodecException(String message, Throwable cause) {
        super(message, cause);
    }
}
