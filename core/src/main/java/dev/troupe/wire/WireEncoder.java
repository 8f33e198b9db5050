package dev.troupe.wire;

import com.google.protobuf.ByteString;

/**
 * Writes the envelopes every task sends, {@code Submit}, {@code Result}, {@code Heartbeat} and
 * {@code Cancel}, straight into an array, byte for byte as protobuf would: a {@code CodedOutputStream} and its
 * virtual calls made up two thirds of a shm link's send time in a profile of the echo ping-pong. Envelopes of other
 * kinds, and envelopes that carry unknown fields, are left to protobuf ({@link #write} returns -1).
 */
public final class WireEncoder {
    private static final int LENGTH_DELIMITED = 2;

    private WireEncoder() {
    }

    /**
     * The size {@link #write} gives an envelope, without protobuf's size computation.
     *
     * @param envelope the envelope.
     * @return its serialized size, or -1 when protobuf must write this envelope.
     */
    public static int sizeOf(Envelope envelope) {
        int body = bodySize(envelope);
        return body < 0 ? -1 : 1 + varintSize(body) + body;
    }

    /**
     * Writes one envelope.
     *
     * @param envelope the envelope.
     * @param array    where to write; from {@code offset}, it has room for the envelope's serialized size.
     * @param offset   where to start.
     * @return the bytes written, or -1 when protobuf must write this envelope (nothing was written).
     */
    public static int write(Envelope envelope, byte[] array, int offset) {
        int body = bodySize(envelope);
        if (body < 0) {
            return -1;
        }
        int p = header(array, offset, envelope.getBodyCase().getNumber(), body);
        switch (envelope.getBodyCase()) {
            case SUBMIT: {
                Submit s = envelope.getSubmit();
                p = field(array, p, 1, s.getTaskId());
                p = field(array, p, 2, s.getFunctionId());
                p = field(array, p, 3, s.getInputs());
                break;
            }
            case RESULT: {
                Result r = envelope.getResult();
                p = field(array, p, 1, r.getTaskId());
                p = field(array, p, 2, r.getOutputs());
                p = field(array, p, 3, r.getRunNanos());
                break;
            }
            case CANCEL:
                p = field(array, p, 1, envelope.getCancel().getTaskId());
                break;
            default: // HEARTBEAT, the only other body bodySize accepts
                p = field(array, p, 1, envelope.getHeartbeat().getSentAt());
                break;
        }
        return p - offset;
    }

    /** The size of the envelope's body, or -1 for a body (or unknown fields) this writer leaves to protobuf. */
    private static int bodySize(Envelope envelope) {
        if (!envelope.getUnknownFields().isEmpty()) {
            return -1;
        }
        switch (envelope.getBodyCase()) {
            case SUBMIT: {
                Submit s = envelope.getSubmit();
                return s.getUnknownFields().isEmpty()
                    ? size(1, s.getTaskId()) + size(2, s.getFunctionId()) + size(s.getInputs()) : -1;
            }
            case RESULT: {
                Result r = envelope.getResult();
                return r.getUnknownFields().isEmpty()
                    ? size(1, r.getTaskId()) + size(r.getOutputs()) + size(3, r.getRunNanos()) : -1;
            }
            case CANCEL: {
                Cancel c = envelope.getCancel();
                return c.getUnknownFields().isEmpty() ? size(1, c.getTaskId()) : -1;
            }
            case HEARTBEAT: {
                Heartbeat h = envelope.getHeartbeat();
                return h.getUnknownFields().isEmpty() ? size(1, h.getSentAt()) : -1;
            }
            default:
                return -1;
        }
    }

    /** The envelope's one field: the body's tag and length. */
    private static int header(byte[] array, int p, int body, int size) {
        array[p++] = (byte) (body << 3 | LENGTH_DELIMITED);
        return varint(array, p, size);
    }

    /** A varint field (proto3: absent when zero). */
    private static int size(int field, long value) {
        return value == 0 ? 0 : 1 + varintSize(value);
    }

    /** A bytes field (proto3: absent when empty); always field number 2 or 3 here, so a one-byte tag. */
    private static int size(ByteString bytes) {
        int n = bytes.size();
        return n == 0 ? 0 : 1 + varintSize(n) + n;
    }

    private static int field(byte[] array, int p, int field, long value) {
        if (value == 0) {
            return p;
        }
        array[p++] = (byte) (field << 3);
        return varint(array, p, value);
    }

    private static int field(byte[] array, int p, int field, ByteString bytes) {
        int n = bytes.size();
        if (n == 0) {
            return p;
        }
        array[p++] = (byte) (field << 3 | LENGTH_DELIMITED);
        p = varint(array, p, n);
        bytes.copyTo(array, p);
        return p + n;
    }

    private static int varintSize(long value) {
        return value == 0 ? 1 : (63 - Long.numberOfLeadingZeros(value)) / 7 + 1;
    }

    private static int varint(byte[] array, int p, long value) {
        while ((value & ~0x7FL) != 0) {
            array[p++] = (byte) (value & 0x7F | 0x80);
            value >>>= 7;
        }
        array[p++] = (byte) value;
        return p;
    }
}
