package dev.troupe;

import dev.troupe.internal.objects.ObjectBackend;
import java.io.Serializable;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Named attributes its node hosts for all its processes (see {@link Manager}): Python's
 * {@code Manager().Namespace()}, where {@code ns.x = 1} becomes {@code ns.set("x", 1)}. Each attribute holds a
 * value of its own type; every method is one atomic step at the node, and {@link #update} is an atomic
 * read-modify-write (its function runs in the calling process, perhaps more than once). Null values are not
 * allowed. Thread-safe; serializable as its name, so a task that captures it reaches the same namespace from its
 * worker.
 */
public final class ManagedNamespace implements Serializable {
    private static final long serialVersionUID = 1L;

    private final ManagedMap<String, Object> attributes;

    ManagedNamespace(String name, ObjectBackend backend) {
        this.attributes = new ManagedMap<>("ns:", name, backend);
    }

    /**
     * @return the name it was opened with.
     */
    public String name() {
        return attributes.name();
    }

    /**
     * Sets an attribute.
     *
     * @param attribute the attribute's name.
     * @param value     its new value.
     */
    public void set(String attribute, Object value) {
        attributes.put(checkAttribute(attribute), value);
    }

    /**
     * An attribute's value, of the type the caller expects.
     *
     * @param attribute the attribute's name.
     * @param type      the class its value must be an instance of (boxed for numbers).
     * @param <T>       that type.
     * @return its value, or {@code null} when it has none.
     * @throws ClassCastException when its value is of another type; the message names both.
     */
    public <T> T get(String attribute, Class<T> type) {
        Objects.requireNonNull(type, "type");
        return cast(attribute, attributes.get(checkAttribute(attribute)), type);
    }

    /**
     * @param attribute the attribute's name.
     * @return whether it has a value.
     */
    public boolean has(String attribute) {
        return attributes.containsKey(checkAttribute(attribute));
    }

    /**
     * Removes an attribute.
     *
     * @param attribute the attribute's name.
     * @return whether it had a value.
     */
    public boolean delete(String attribute) {
        return attributes.remove(checkAttribute(attribute)) != null;
    }

    /**
     * Changes an attribute from its current value, atomically: {@code ns.update("hits", Integer.class, n -> n + 1)}
     * from many processes counts every call.
     *
     * @param attribute the attribute's name.
     * @param type      the class of its value.
     * @param update    from the current value ({@code null} when it has none) to the new one; {@code null} removes
     *                  it. It runs in this process, perhaps more than once.
     * @param <T>       the value's type.
     * @return the new value, or {@code null}.
     * @throws ClassCastException when its value is of another type than {@code type}.
     */
    public <T> T update(String attribute, Class<T> type, UnaryOperator<T> update) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(update, "update");
        return cast(attribute, attributes.compute(checkAttribute(attribute),
            (k, old) -> update.apply(cast(attribute, old, type))), type);
    }

    /**
     * A copy of every attribute, taken atomically.
     *
     * @return the attributes and their values, in the order they were first set.
     */
    public Map<String, Object> snapshot() {
        return attributes.snapshot();
    }

    private <T> T cast(String attribute, Object value, Class<T> type) {
        if (value == null || type.isInstance(value)) {
            return type.cast(value);
        }
        throw new ClassCastException("attribute '" + attribute + "' of " + this + " holds a "
            + value.getClass().getName() + ", not a " + type.getName());
    }

    private static String checkAttribute(String attribute) {
        if (attribute == null || attribute.isEmpty()) {
            throw new IllegalArgumentException("an attribute's name must not be "
                + (attribute == null ? "null" : "empty"));
        }
        return attribute;
    }

    @Override
    public String toString() {
        return "namespace '" + name() + "'";
    }
}
