package dev.troupe.wire;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The frame format shared by stream transports: a 4-byte big-endian length, then that many bytes of one
 * serialized {@link Envelope}. Stateless and thread-safe.
 */
public final class FrameCodec {

    /** Bytes of the length prefix. */
    public static final int HEADER_BYTES = 4;

    private FrameCodec() {
    }

    /**
     * Serializes an envelope into one frame.
     *
     * @param envelope      the envelope.
     * @param maxFrameBytes the largest allowed frame, header included.
     * @return the frame bytes, header included.
     * @throws FrameTooLargeException when the frame would exceed {@code maxFrameBytes}.
     */
    public static byte[] encode(Envelope envelope, int maxFrameBytes) {
        int size = checkBodySize(bodySize(envelope), maxFrameBytes);
        byte[] frame = new byte[HEADER_BYTES + size];
        frame[0] = (byte) (size >>> 24);
        frame[1] = (byte) (size >>> 16);
        frame[2] = (byte) (size >>> 8);
        frame[3] = (byte) size;
        writeBody(envelope, frame, HEADER_BYTES, size);
        return frame;
    }

    /**
     * The serialized size of an envelope, as {@link #writeBody} writes it.
     *
     * @param envelope the envelope.
     * @return its size in bytes, without the length prefix.
     */
    public static int bodySize(Envelope envelope) {
        int size = WireEncoder.sizeOf(envelope);
        return size < 0 ? envelope.getSerializedSize() : size;
    }

    /**
     * Checks that a body of this size fits in a frame.
     *
     * @param bodySize      the body's size in bytes.
     * @param maxFrameBytes the largest allowed frame, header included.
     * @return {@code bodySize}.
     * @throws FrameTooLargeException when the frame would exceed {@code maxFrameBytes}.
     */
    public static int checkBodySize(int bodySize, int maxFrameBytes) {
        if ((long) bodySize + HEADER_BYTES > maxFrameBytes) {
            throw new FrameTooLargeException((long) bodySize + HEADER_BYTES, maxFrameBytes);
        }
        return bodySize;
    }

    /**
     * Serializes an envelope into an array: the hot envelopes by {@link WireEncoder}, any other through protobuf.
     * This is the one encode path of every transport.
     *
     * @param envelope the envelope.
     * @param array    where to write.
     * @param offset   where to start.
     * @param size     the envelope's {@link #bodySize}; {@code array} has that much room from {@code offset}.
     * @throws IllegalStateException when the envelope does not serialize to {@code size} bytes.
     */
    public static void writeBody(Envelope envelope, byte[] array, int offset, int size) {
        int written = WireEncoder.write(envelope, array, offset);
        if (written == size) {
            return;
        }
        if (written >= 0) {
            throw new IllegalStateException(
                "wrote " + written + " bytes of " + size + " for " + envelope.getBodyCase());
        }
        writeWithProtobuf(envelope, CodedOutputStream.newInstance(array, offset, size));
    }

    /**
     * Serializes an envelope into a buffer, from its position, as {@link #writeBody(Envelope, byte[], int, int)}
     * does into an array. Neither position nor limit moves.
     *
     * @param envelope the envelope.
     * @param target   where to write; it has {@code size} bytes remaining.
     * @param size     the envelope's {@link #bodySize}.
     * @throws IllegalStateException when the envelope does not serialize to {@code size} bytes.
     */
    public static void writeBody(Envelope envelope, ByteBuffer target, int size) {
        if (target.hasArray() && !target.isReadOnly()) {
            writeBody(envelope, target.array(), target.arrayOffset() + target.position(), size);
            return;
        }
        ByteBuffer slice = target.slice();
        slice.limit(size);
        writeWithProtobuf(envelope, CodedOutputStream.newInstance(slice));
    }

    private static void writeWithProtobuf(Envelope envelope, CodedOutputStream out) {
        try {
            envelope.writeTo(out);
            out.checkNoSpaceLeft();
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot serialize " + envelope.getBodyCase() + " envelope", e);
        }
    }

    /**
     * Reads the length of the frame at the buffer's position without consuming anything.
     *
     * @param buffer        a heap buffer in read mode with at least {@link #HEADER_BYTES} remaining.
     * @param maxFrameBytes the largest allowed frame, header included.
     * @param where         names the link for the error message.
     * @return the body length.
     * @throws MalformedFrameException when the length is negative, zero or over the maximum.
     */
    public static int peekBodyLength(ByteBuffer buffer, int maxFrameBytes, String where)
        throws MalformedFrameException {
        int length = buffer.getInt(buffer.position());
        if (length <= 0 || (long) length + HEADER_BYTES > maxFrameBytes) {
            throw new MalformedFrameException("frame length " + Integer.toUnsignedString(length) + " on " + where
                + " is outside 1.." + (maxFrameBytes - HEADER_BYTES) + " (troupe.max-frame-size)");
        }
        return length;
    }

    /**
     * Parses one frame body.
     *
     * @param array  the bytes.
     * @param offset where the body starts.
     * @param length the body length.
     * @param where  names the link for the error message.
     * @return the envelope; it keeps no reference to {@code array}, which the caller may reuse.
     * @throws MalformedFrameException when the bytes are not an envelope, or an envelope with no body.
     */
    public static Envelope decodeBody(byte[] array, int offset, int length, String where)
        throws MalformedFrameException {
        return decodeBody(array, offset, length, where, false);
    }

    /**
     * Parses one frame body out of an array the caller hands over and never writes again: the envelope's bytes
     * fields are views of it rather than copies.
     *
     * @param array  the bytes, now the envelope's.
     * @param offset where the body starts.
     * @param length the body length.
     * @param where  names the link for the error message.
     * @return the envelope.
     * @throws MalformedFrameException when the bytes are not an envelope, or an envelope with no body.
     */
    public static Envelope decodeOwnedBody(byte[] array, int offset, int length, String where)
        throws MalformedFrameException {
        return decodeBody(array, offset, length, where, true);
    }

    /**
     * Copies the bytes between a buffer's position and limit into a new array, leaving the buffer as it was.
     *
     * @param body the bytes.
     * @return a new array of {@code body.remaining()} bytes.
     */
    public static byte[] copyBody(ByteBuffer body) {
        byte[] copy = new byte[body.remaining()];
        body.get(body.position(), copy);
        return copy;
    }

    private static Envelope decodeBody(byte[] array, int offset, int length, String where, boolean owned)
        throws MalformedFrameException {
        Envelope fast = owned ? WireDecoder.ownedEnvelope(array, offset, length)
            : WireDecoder.envelope(array, offset, length);
        if (fast != null) {
            return fast;
        }
        try {
            CodedInputStream in = CodedInputStream.newInstance(array, offset, length);
            in.setSizeLimit(Integer.MAX_VALUE);
            if (owned) {
                in.enableAliasing(true);
            }
            Envelope envelope = Envelope.parseFrom(in);
            if (envelope.getBodyCase() == Envelope.BodyCase.BODY_NOT_SET) {
                throw new MalformedFrameException("frame of " + length + " bytes on " + where
                    + " holds no known message");
            }
            return envelope;
        } catch (InvalidProtocolBufferException e) {
            throw new MalformedFrameException("frame of " + length + " bytes on " + where
                + " is not a valid envelope: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new MalformedFrameException("frame on " + where + " cannot be read: " + e.getMessage(), e);
        }
    }
}
