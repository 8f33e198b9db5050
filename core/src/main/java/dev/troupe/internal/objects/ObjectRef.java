package dev.troupe.internal.objects;

import java.io.InvalidObjectException;
import java.io.Serializable;

/**
 * What a cluster queue or topic handle travels as: its kind, name, type and message limit, all checked on arrival;
 * it binds to the node of the worker that reads it.
 */
final class ObjectRef implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String kind;
    private final String name;
    private final Class<?> type;
    private final int maxMessageBytes;

    /**
     * @param kind {@code "queue"} or {@code "topic"}.
     */
    ObjectRef(String kind, String name, Class<?> type, int maxMessageBytes) {
        this.kind = kind;
        this.name = name;
        this.type = type;
        this.maxMessageBytes = maxMessageBytes;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private Object readResolve() throws InvalidObjectException {
        if (!"queue".equals(kind) && !"topic".equals(kind)) {
            throw new InvalidObjectException("a reference to an unknown kind of object: " + kind);
        }
        try {
            Messages.checkName(name, kind);
            Messages.checkType(type, kind);
        } catch (RuntimeException e) {
            throw new InvalidObjectException("a " + kind + " reference is invalid: " + e.getMessage());
        }
        return kind.equals("queue") ? new ObjectQueue(name, type, maxMessageBytes, ObjectBackends.worker())
            : new ObjectTopic(name, type, maxMessageBytes, ObjectBackends.worker());
    }
}
