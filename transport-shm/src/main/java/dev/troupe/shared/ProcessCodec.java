package dev.troupe.shared;

import com.google.protobuf.CodedInputStream;
import com.typesafe.config.Config;
import dev.troupe.CodecException;
import dev.troupe.TroupeException;
import dev.troupe.internal.codec.JavaSerialization;
import dev.troupe.internal.codec.PayloadCodec;
import dev.troupe.spi.support.ProcessConfig;
import dev.troupe.wire.Payload;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * What the message-carrying objects (queues, topics, connections) share: the task codec with this process's
 * serialization settings ({@code troupe.serialization}, read once from {@link ProcessConfig}), and the check that a
 * named segment is this user's and owner-only.
 */
final class ProcessCodec {
    private static volatile PayloadCodec codec;

    private ProcessCodec() {
    }

    /**
     * @return the codec, made on first use.
     */
    static PayloadCodec get() {
        PayloadCodec c = codec;
        if (c == null) {
            Config config = ProcessConfig.get();
            String filter = config.hasPath("troupe.serialization.filter")
                ? config.getString("troupe.serialization.filter") : "";
            boolean javaValues = !config.hasPath("troupe.serialization.java-values")
                || config.getBoolean("troupe.serialization.java-values");
            c = new PayloadCodec(new JavaSerialization(filter.isBlank() ? JavaSerialization.DEFAULT_FILTER : filter,
                javaValues));
            codec = c;
        }
        return c;
    }

    /**
     * Encodes a message of a queue or topic, refusing {@code null}, a value of another type, or one too large.
     *
     * @param value       the value.
     * @param type        the type the object carries.
     * @param description names the object in messages.
     * @param capacity    the object's capacity in bytes, for the message.
     * @param maxMessage  the most an encoded message may take.
     * @return the encoded {@code Payload}.
     */
    static byte[] encodeMessage(Object value, Class<?> type, String description, int capacity, int maxMessage) {
        if (value == null) {
            throw new NullPointerException(description + " does not carry null");
        }
        if (!type.isInstance(value)) {
            throw new ClassCastException(description + " carries " + type.getName() + ", not "
                + value.getClass().getName());
        }
        byte[] bytes = get().encode(value).toByteArray();
        if (bytes.length > maxMessage) {
            throw new IllegalArgumentException("a message of " + bytes.length + " bytes (encoded "
                + value.getClass().getTypeName() + ") does not fit " + description + ": its capacity is " + capacity
                + " bytes, so a message may take at most " + maxMessage + " bytes");
        }
        return bytes;
    }

    /**
     * Decodes a message of a queue or topic.
     *
     * @param bytes       the encoded {@code Payload}; this call's own (its fields alias it).
     * @param type        the type the object carries.
     * @param description names the object in messages.
     * @param consequence what became of a message of another type, for the message, such as
     *                    {@code "the message is removed from the queue"}.
     * @return the value.
     * @throws CodecException when the bytes are not a value, or not one of {@code type}.
     */
    static <T> T decodeMessage(byte[] bytes, Class<T> type, String description, String consequence) {
        Payload payload;
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            in.enableAliasing(true);
            payload = Payload.parseFrom(in);
        } catch (IOException e) {
            throw new CodecException("a message of " + bytes.length + " bytes read from " + description
                + " is not an encoded value: " + e.getMessage(), e);
        }
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        Object value = get().decode(payload, loader != null ? loader : type.getClassLoader());
        if (!type.isInstance(value)) {
            throw new CodecException("a message read from " + description + " is a "
                + (value == null ? "null" : value.getClass().getName()) + ", not a " + type.getName() + " ("
                + consequence + ")");
        }
        return type.cast(value);
    }

    /**
     * Refuses a segment file that another user owns or others may read, even where its directory's check passed.
     *
     * @param segment the segment.
     * @param what    names it in the message, such as {@code "topic 'prices'"}.
     * @throws TroupeException when it is not this user's, or not {@code rw-------}.
     */
    static void checkOwner(NamedSegment segment, String what) {
        if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return;
        }
        try {
            String owner = Files.getOwner(segment.path).getName();
            String perms = PosixFilePermissions.toString(Files.getPosixFilePermissions(segment.path));
            if (!owner.equals(System.getProperty("user.name")) || !perms.equals("rw-------")) {
                throw new TroupeException("refusing to open " + what + " at " + segment.path + ": it belongs to "
                    + owner + " with permissions " + perms + "; it must be this user's and rw-------");
            }
        } catch (IOException e) {
            throw new TroupeException("cannot check the owner of " + what + " at " + segment.path + ": " + e, e);
        }
    }
}
