package dev.troupe.internal.node;

import com.google.protobuf.ByteString;

/**
 * INTERNAL API. A serialized {@link dev.troupe.Task}, defined once per link and referred to by id.
 *
 * @param id          node-unique id.
 * @param serialized  Java serialization bytes of the task.
 * @param description the task's class name, for messages.
 */
record TaskFunction(long id, ByteString serialized, String description) {
}
