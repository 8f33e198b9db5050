package dev.troupe.transport.shm;

import dev.troupe.wire.FrameCodec;
import dev.troupe.wire.MalformedFrameException;
import org.agrona.DirectBuffer;

/**
 * Puts a message that was too large for one ring record back together from its fragments: a
 * {@link ShmLink#FIRST} record (the whole message's length as a 4-byte int, then the first bytes), any number of
 * {@link ShmLink#MIDDLE} records and a {@link ShmLink#LAST} record, in ring order with nothing in between.
 *
 * <p>Each message gets an array of its own, so what it returns may be kept. Anything out of that order, a length
 * outside {@code 1..max-frame-size}, or fragments that do not add up to that length throw a
 * {@link MalformedFrameException} naming the link; the link is not usable after that.
 *
 * <p>Not thread-safe: used by a link's reader thread only.
 */
final class FragmentAssembler {
    private final int maxFrameBytes;
    private final String description;
    private byte[] assembling;
    private int assembled;

    /**
     * @param maxFrameBytes the frame limit ({@code troupe.max-frame-size}), header included.
     * @param description   the link, for error messages.
     */
    FragmentAssembler(int maxFrameBytes, String description) {
        this.maxFrameBytes = maxFrameBytes;
        this.description = description;
    }

    /** Whether a message's first fragment came and its last has not. */
    boolean inProgress() {
        return assembling != null;
    }

    /**
     * Takes one fragment.
     *
     * @param type   {@link ShmLink#FIRST}, {@link ShmLink#MIDDLE} or {@link ShmLink#LAST}.
     * @param buffer holds the fragment's bytes at {@code index}, {@code length} of them; copied before this returns.
     * @return the whole message once {@code type} is {@link ShmLink#LAST}, otherwise {@code null}.
     * @throws MalformedFrameException when the fragment does not belong where it is, or carries an impossible
     *                                 length.
     */
    byte[] onFragment(int type, DirectBuffer buffer, int index, int length) throws MalformedFrameException {
        if (type == ShmLink.FIRST) {
            first(buffer, index, length);
            return null;
        }
        if (type != ShmLink.MIDDLE && type != ShmLink.LAST) {
            throw malformed("record type " + type + " is not a fragment");
        }
        String which = type == ShmLink.LAST ? "a last fragment" : "a middle fragment";
        if (assembling == null) {
            throw malformed(which + " arrived with no first fragment before it");
        }
        int total = assembling.length;
        if (assembled + length > total) {
            throw malformed("a fragment does not fit the message being reassembled: " + which + " of " + length
                + " bytes after " + assembled + " of " + total);
        }
        if ((type == ShmLink.LAST) != (assembled + length == total)) {
            throw malformed("a fragment does not fit the message being reassembled: " + which + " ends at "
                + (assembled + length) + " of " + total + " bytes");
        }
        buffer.getBytes(index, assembling, assembled, length);
        assembled += length;
        if (type != ShmLink.LAST) {
            return null;
        }
        byte[] whole = assembling;
        assembling = null;
        return whole;
    }

    private void first(DirectBuffer buffer, int index, int length) throws MalformedFrameException {
        if (assembling != null || length < Integer.BYTES) {
            throw malformed("a first fragment arrived out of order or without its length");
        }
        int total = buffer.getInt(index);
        if (total <= length - Integer.BYTES || (long) total + FrameCodec.HEADER_BYTES > maxFrameBytes) {
            throw new MalformedFrameException("fragmented message of " + total + " bytes on " + description
                + " is outside 1.." + (maxFrameBytes - FrameCodec.HEADER_BYTES) + " (troupe.max-frame-size)");
        }
        assembling = new byte[total];
        assembled = length - Integer.BYTES;
        buffer.getBytes(index + Integer.BYTES, assembling, 0, assembled);
    }

    private MalformedFrameException malformed(String what) {
        return new MalformedFrameException(what + " on " + description);
    }
}
