package dev.troupe.spi;

import dev.troupe.internal.wire.Envelope;

/**
 * Receives what arrives on a {@link Link}. Both methods are called from the link's own thread, never
 * concurrently with each other, so an implementation needs no locking for state only they touch.
 */
public interface LinkHandler {

    /**
     * One envelope, in the order the peer sent them. Must not block for long: it holds up the link.
     *
     * @param link     the link it arrived on.
     * @param envelope the envelope.
     */
    void onEnvelope(Link link, Envelope envelope);

    /**
     * The link is closed. Called exactly once, after the last {@link #onEnvelope}.
     *
     * @param link  the link.
     * @param cause why: {@code null} after a local {@link Link#close()}, otherwise the error or a
     *              {@link LinkClosedException} saying the peer went away.
     */
    void onClosed(Link link, Throwable cause);
}
