package dev.troupe.spi;

import java.io.IOException;

/**
 * The peer closed the link, or the link was closed while an operation needed it.
 */
public class LinkClosedException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what happened, naming the link.
     */
    public LinkClosedException(String message) {
        super(message);
    }
}
