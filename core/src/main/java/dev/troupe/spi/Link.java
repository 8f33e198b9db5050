package dev.troupe.spi;

import dev.troupe.wire.Envelope;
import dev.troupe.wire.FrameCodec;
import dev.troupe.wire.FrameTooLargeException;
import dev.troupe.wire.MalformedFrameException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * A duplex, framed, ordered connection between two processes, carrying {@link Envelope}s.
 *
 * <p>{@link #send}, {@link #sendAll} and {@link #sendFrame} are thread-safe and may be called from any thread;
 * envelopes sent from one thread arrive in the order they were sent, however each was sent. Inbound envelopes go to
 * the {@link LinkHandler} given to {@link #start}.
 */
public interface Link {

    /**
     * Starts delivering inbound envelopes. Called exactly once; envelopes that arrive before are buffered.
     *
     * @param handler receives envelopes and the close event.
     * @throws IllegalStateException when called twice.
     */
    void start(LinkHandler handler);

    /**
     * Sends one envelope. Blocks while the peer is slow to read and the bounded outbound buffer is full, so a
     * fast sender is slowed rather than allowed to fill the heap.
     *
     * @param envelope the envelope.
     * @return {@code true} when the envelope was written or queued, {@code false} when the link is closed.
     * @throws FrameTooLargeException when the envelope is larger than the link's maximum frame size; the link
     *                                stays open.
     */
    boolean send(Envelope envelope);

    /**
     * Sends several envelopes, in order, as {@link #send} would one by one. Transports may write them together
     * (one system call); the default sends them one at a time.
     *
     * @param envelopes the envelopes.
     * @return {@code false} when the link is closed.
     * @throws FrameTooLargeException when one envelope is too large; those before it may have been sent.
     */
    default boolean sendAll(java.util.List<Envelope> envelopes) {
        boolean open = true;
        for (Envelope e : envelopes) {
            open = send(e);
        }
        return open;
    }

    /**
     * Sends one envelope that is already serialized, as {@link #send} would send it parsed. A transport that
     * carries bytes (the shared-memory ring) copies them as they are, with no parse and no encode; the default
     * parses them and calls {@link #send}. The receiving side checks the bytes like any frame, so bytes that are not
     * an envelope close the link there, where {@link #send} could never have produced them.
     *
     * @param body one serialized envelope between its position and limit; neither is moved, and the buffer may be
     *             reused once this returns.
     * @return {@code true} when the envelope was written or queued, {@code false} when the link is closed.
     * @throws FrameTooLargeException   when the envelope is larger than the link's maximum frame size; the link
     *                                  stays open.
     * @throws IllegalArgumentException when this transport parses the bytes and they are not an envelope.
     */
    default boolean sendFrame(ByteBuffer body) {
        try {
            return send(FrameCodec.decodeOwnedBody(FrameCodec.copyBody(body), 0, body.remaining(), description()));
        } catch (MalformedFrameException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /**
     * Closes the link; the handler's {@link LinkHandler#onClosed} gets {@code null}. Idempotent.
     */
    void close();

    /**
     * Closes the link because of an error; the handler's {@link LinkHandler#onClosed} gets {@code cause}.
     * Idempotent: the first cause wins.
     *
     * @param cause why.
     */
    void close(Throwable cause);

    /**
     * Whether the link is still open.
     *
     * @return {@code false} once closed by either side.
     */
    boolean isOpen();

    /**
     * Completes when the link is closed: normally after {@link #close()}, exceptionally with the cause otherwise.
     *
     * @return the future; the same instance on every call.
     */
    CompletableFuture<Void> closeFuture();

    /**
     * A description for logs and error messages, such as {@code pipe:/run/node.sock}.
     *
     * @return the description.
     */
    String description();
}
