package dev.troupe.internal.codec;

/**
 * INTERNAL API. The values of {@code Payload.kind}: which fields of a payload hold the value.
 */
final class PayloadKind {
    static final int NULL = 0;
    /** UTF-8 in {@code data}. */
    static final int STRING = 1;
    /** {@code int_value}. */
    static final int INT = 2;
    static final int LONG = 3;
    /** {@code double_value}. */
    static final int DOUBLE = 4;
    static final int FLOAT = 5;
    static final int SHORT = 6;
    static final int BYTE = 7;
    static final int CHAR = 8;
    static final int BOOLEAN = 9;
    /** Raw {@code data}. */
    static final int BYTES = 10;
    /** {@code type} is the message class, {@code data} its bytes. */
    static final int PROTOBUF = 11;
    /** {@code type} is the record class, {@code parts} its components in order. */
    static final int RECORD = 12;
    /** {@code parts} are the elements. */
    static final int LIST = 13;
    /** {@code parts} are keys and values, alternating. */
    static final int MAP = 14;
    /** {@code type} is the enum class, {@code data} the constant's name. */
    static final int ENUM = 15;
    /** {@code data} holds Java serialization bytes; decoded behind the configured filter. */
    static final int JAVA = 16;
    /** {@code parts} are the elements. */
    static final int SET = 17;

    private PayloadKind() {
    }
}
