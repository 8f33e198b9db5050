package dev.troupe.shared;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.troupe.CodecException;
import dev.troupe.spi.support.ProcessConfig;
import dev.troupe.wire.Payload;

/**
 * The values of {@link Connection}s: each one a serialized {@link Payload} of the task codec, with this process's
 * serialization settings ({@code troupe.serialization}) and message limit ({@code troupe.shared.pipe.max-message}).
 */
final class ConnectionCodec {
    /** Message types, shared by both kinds of connection: a value, or raw bytes. */
    static final int VALUE = 1;
    static final int BYTES = 2;

    private ConnectionCodec() {
    }

    /** The largest message a connection carries, from {@code troupe.shared.pipe.max-message}. */
    static int configuredMaxMessage() {
        long bytes = ProcessConfig.get().getBytes("troupe.shared.pipe.max-message");
        if (bytes < 1 || bytes > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("troupe.shared.pipe.max-message must be 1 byte to 2GiB, got " + bytes);
        }
        return (int) bytes;
    }

    static byte[] encode(Object value, int maxMessage, Object where) {
        byte[] bytes = ProcessCodec.get().encode(value).toByteArray();
        checkSize(bytes.length, maxMessage, where);
        return bytes;
    }

    static void checkSize(int length, int maxMessage, Object where) {
        if (length > maxMessage) {
            throw new CodecException("a message of " + length + " bytes is over the limit of " + maxMessage
                + " bytes of " + where + " (troupe.shared.pipe.max-message); nothing was sent");
        }
    }

    static Object decode(byte[] bytes, Object where) {
        Payload payload;
        try {
            payload = Payload.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new CodecException("a message of " + bytes.length + " bytes on " + where + " is not a value: "
                + e.getMessage(), e);
        }
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        return ProcessCodec.get().decode(payload, loader != null ? loader : ConnectionCodec.class.getClassLoader());
    }

    static <V> V cast(Object value, Class<V> type, Object where) {
        if (value != null && !type.isInstance(value)) {
            throw new CodecException("expected a " + type.getName() + " on " + where + " but received a "
                + value.getClass().getName());
        }
        return type.cast(value);
    }
}
