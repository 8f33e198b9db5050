package dev.troupe.spi;

import dev.troupe.wire.Envelope;
import dev.troupe.wire.FrameCodec;
import dev.troupe.wire.MalformedFrameException;
import java.nio.ByteBuffer;

/**
 * Receives what arrives on a {@link Link}. Its methods are called from the link's own thread, never
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
     * One envelope still in its serialized form, from a transport that holds the bytes where a handler can read
     * them without a copy (the shared-memory ring). The default copies and parses them and calls
     * {@link #onEnvelope}; a handler overrides it to read or forward the bytes itself. Transports that parse as
     * they read call {@link #onEnvelope} directly, and a transport may do so for some envelopes and call this for
     * others, so an override must treat an envelope alike whichever way it arrives.
     *
     * @param link the link it arrived on.
     * @param body one serialized envelope between its position and limit, readable only during this call (the
     *             transport may reuse the buffer and the memory behind it afterwards).
     * @throws MalformedFrameException when the bytes are not an envelope; the link is closed with it.
     */
    default void onFrame(Link link, ByteBuffer body) throws MalformedFrameException {
        onEnvelope(link, FrameCodec.decodeOwnedBody(FrameCodec.copyBody(body), 0, body.remaining(),
            link.description()));
    }

    /**
     * The link is closed. Called exactly once, after the last {@link #onEnvelope} or {@link #onFrame}.
     *
     * @param link  the link.
     * @param cause why: {@code null} after a local {@link Link#close()}, otherwise the error or a
     *              {@link LinkClosedException} saying the peer went away.
     */
    void onClosed(Link link, Throwable cause);
}
