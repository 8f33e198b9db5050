package dev.troupe.internal.objects;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.troupe.CodecException;
import dev.troupe.TroupeException;
import dev.troupe.wire.ObjectCall;
import dev.troupe.wire.ObjectReply;
import dev.troupe.wire.Payload;
import java.util.regex.Pattern;

/**
 * INTERNAL API. What the handles of cluster-wide queues and topics share: checks of names and types, the encoding of
 * a message with its checks, and calls that turn an interrupt into {@link InterruptedException}.
 */
final class Messages {
    /** The longest one call waits at its host: a blocked caller sees its handle closed within this. */
    static final long WAIT_SLICE_NANOS = 1_000_000_000L;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,200}");

    private Messages() {
    }

    static void checkName(String name, String what) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a " + what + "'s name must be 1 to 200 letters, digits, '.', '_' or"
                + " '-', got " + (name == null ? "null" : "'" + name + "'"));
        }
    }

    static void checkType(Class<?> type, String what) {
        if (type == null) {
            throw new NullPointerException("type");
        }
        if (type.isPrimitive()) {
            throw new IllegalArgumentException("a " + what + "'s type must be a class, not the primitive " + type
                + ": use its boxed class");
        }
    }

    /** Encodes a message, refusing {@code null}, another type, or one larger than {@code maxBytes}. */
    static ByteString encode(ObjectBackend backend, Object value, Class<?> type, int maxBytes, String description) {
        if (value == null) {
            throw new NullPointerException(description + " does not carry null");
        }
        if (!type.isInstance(value)) {
            throw new ClassCastException(description + " carries " + type.getName() + ", not "
                + value.getClass().getName());
        }
        ByteString bytes = backend.codec().encode(value).toByteString();
        if (bytes.size() > maxBytes) {
            throw new IllegalArgumentException("a message of " + bytes.size() + " bytes (encoded "
                + value.getClass().getTypeName() + ") does not fit " + description + ": it takes at most " + maxBytes
                + " bytes");
        }
        return bytes;
    }

    /** Decodes a message, refusing bytes that are not a value of {@code type}. */
    static <T> T decode(ObjectBackend backend, ByteString bytes, Class<T> type, String description,
                        String consequence) {
        Payload payload;
        try {
            payload = Payload.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new CodecException("a message of " + bytes.size() + " bytes read from " + description
                + " is not an encoded value: " + e.getMessage(), e);
        }
        Object value = backend.codec().decode(payload, backend.loader());
        if (!type.isInstance(value)) {
            throw new CodecException("a message read from " + description + " is a "
                + (value == null ? "null" : value.getClass().getName()) + ", not a " + type.getName() + " ("
                + consequence + ")");
        }
        return type.cast(value);
    }

    /** Makes a call; an interrupt while it waits becomes {@link InterruptedException}. */
    static ObjectReply callInterruptibly(ObjectBackend backend, ObjectCall.Builder call) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException("interrupted before a call on " + call.getObject());
        }
        try {
            return backend.call(call);
        } catch (TroupeException e) {
            if (Thread.interrupted()) {
                InterruptedException ie = new InterruptedException(e.getMessage());
                ie.initCause(e);
                throw ie;
            }
            throw e;
        }
    }

    static long deadline(long nanos) {
        long now = System.nanoTime();
        return nanos > Long.MAX_VALUE - now ? Long.MAX_VALUE : now + nanos;
    }
}
