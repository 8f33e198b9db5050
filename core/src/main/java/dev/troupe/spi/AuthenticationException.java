package dev.troupe.spi;

import java.io.IOException;

/**
 * A transport's authentication handshake failed: a wrong secret, a wrong protocol version, a frame that is not
 * part of the handshake, or no handshake in time. The message says which. Retrying with the same settings does not
 * help.
 */
public final class AuthenticationException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what was wrong.
     */
    public AuthenticationException(String message) {
        super(message);
    }
}
