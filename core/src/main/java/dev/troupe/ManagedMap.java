package dev.troupe;

import com.google.protobuf.ByteString;
import dev.troupe.internal.objects.ObjectBackend;
import dev.troupe.wire.ObjectCall.Op;
import dev.troupe.wire.ObjectReply;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A map its node hosts for all its processes (see {@link Manager}): Python's {@code Manager().dict()}, with atomic
 * read-modify-writes. Every method is one atomic step at the node; {@link #compute} and {@link #merge} run their
 * function here, in the calling process, and write the result only if the key did not change meanwhile (else they
 * run it again on the new value), so the function may run more than once and should have no side effects.
 * Null keys and values are not allowed. Thread-safe; serializable as its name.
 *
 * @param <K> the keys' type.
 * @param <V> the values' type.
 */
public final class ManagedMap<K, V> extends ManagedObject {
    private static final long serialVersionUID = 1L;

    ManagedMap(String name, ObjectBackend backend) {
        super("map:" + name, backend);
    }

    /** A map under another kind's id ({@code "ns:"} for a {@link ManagedNamespace}'s attributes). */
    ManagedMap(String kind, String name, ObjectBackend backend) {
        super(kind + name, backend);
    }

    /**
     * @param key the key.
     * @return its value, or {@code null} when it has none.
     */
    public V get(K key) {
        ObjectReply r = call(op(Op.GET).setKey(encode(key, "a key")));
        return r.getFound() ? decode(r.getValue()) : null;
    }

    /**
     * @param key      the key.
     * @param fallback what to return when it has no value.
     * @return its value, or {@code fallback}.
     */
    public V getOrDefault(K key, V fallback) {
        V v = get(key);
        return v == null ? fallback : v;
    }

    /**
     * @param key   the key.
     * @param value its new value.
     * @return its previous value, or {@code null}.
     */
    public V put(K key, V value) {
        ObjectReply r = call(op(Op.PUT).setKey(encode(key, "a key")).setHasValue(true)
            .setValue(encode(value, "a value")));
        return r.getFound() ? decode(r.getValue()) : null;
    }

    /**
     * @param key the key.
     * @return the value it had, or {@code null}.
     */
    public V remove(K key) {
        ObjectReply r = call(op(Op.REMOVE).setKey(encode(key, "a key")));
        return r.getFound() ? decode(r.getValue()) : null;
    }

    /**
     * @param key the key.
     * @return whether it has a value.
     */
    public boolean containsKey(K key) {
        return call(op(Op.GET).setKey(encode(key, "a key"))).getFound();
    }

    /**
     * @return how many keys have a value.
     */
    public int size() {
        return (int) call(Op.SIZE).getCount();
    }

    /**
     * @return whether no key has a value.
     */
    public boolean isEmpty() {
        return size() == 0;
    }

    /** Removes every key. */
    public void clear() {
        call(Op.CLEAR);
    }

    /**
     * A copy of the whole map, taken atomically.
     *
     * @return the keys and values, in the order the keys were first put.
     */
    public Map<K, V> snapshot() {
        ObjectReply r = call(Op.ENTRIES);
        Map<K, V> out = new LinkedHashMap<>();
        for (int i = 0; i + 1 < r.getItemsCount(); i += 2) {
            out.put(decode(r.getItems(i)), decode(r.getItems(i + 1)));
        }
        return out;
    }

    /**
     * @return a copy of the keys, taken atomically.
     */
    public List<K> keys() {
        ObjectReply r = call(Op.ENTRIES);
        List<K> out = new ArrayList<>(r.getItemsCount() / 2);
        for (int i = 0; i + 1 < r.getItemsCount(); i += 2) {
            out.add(decode(r.getItems(i)));
        }
        return out;
    }

    /**
     * Sets the value unless the key has one.
     *
     * @param key   the key.
     * @param value the value to set.
     * @return the value the key had (and keeps), or {@code null} when {@code value} was set.
     */
    public V putIfAbsent(K key, V value) {
        ByteString k = encode(key, "a key");
        ByteString v = encode(value, "a value");
        ObjectReply r = call(op(Op.COMPARE_AND_SET).setKey(k).setExpectedVersion(0).setHasValue(true).setValue(v));
        return r.getApplied() ? null : decode(r.getValue());
    }

    /**
     * Replaces the value only if it equals {@code expected}.
     *
     * @param key      the key.
     * @param expected the value it must have.
     * @param value    the new value.
     * @return whether it was replaced.
     */
    public boolean replace(K key, V expected, V value) {
        ByteString k = encode(key, "a key");
        ByteString v = encode(value, "a value");
        ObjectReply r = call(op(Op.GET).setKey(k));
        while (r.getFound() && Objects.equals(decode(r.getValue()), expected)) {
            r = call(op(Op.COMPARE_AND_SET).setKey(k).setExpectedVersion(r.getVersion()).setHasValue(true)
                .setValue(v));
            if (r.getApplied()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Computes a key's new value from its current one, atomically: as {@link Map#compute}.
     *
     * @param key   the key.
     * @param remap from the key and its value ({@code null} when it has none) to the new value; {@code null}
     *              removes the key. It runs in this process, perhaps more than once.
     * @return the new value, or {@code null}.
     */
    public V compute(K key, BiFunction<? super K, ? super V, ? extends V> remap) {
        Objects.requireNonNull(remap, "remap");
        ByteString k = encode(key, "a key");
        ObjectReply r = call(op(Op.GET).setKey(k));
        while (true) {
            V old = r.getFound() ? decode(r.getValue()) : null;
            V value = remap.apply(key, old);
            if (value == null && !r.getFound()) {
                return null;
            }
            ObjectReply cas = call(value == null
                ? op(Op.COMPARE_AND_SET).setKey(k).setExpectedVersion(r.getVersion())
                : op(Op.COMPARE_AND_SET).setKey(k).setExpectedVersion(r.getVersion()).setHasValue(true)
                    .setValue(encode(value, "a value")));
            if (cas.getApplied()) {
                return value;
            }
            r = cas; // it changed meanwhile: the reply holds what it is now
        }
    }

    /**
     * Combines a value into a key's, atomically: as {@link Map#merge}. {@code counts.merge(word, 1, Integer::sum)}
     * from many processes counts every call.
     *
     * @param key   the key.
     * @param value the value to set when the key has none, or to combine with its value.
     * @param merge from the current value and {@code value} to the new one; {@code null} removes the key. It runs
     *              in this process, perhaps more than once.
     * @return the new value, or {@code null}.
     */
    public V merge(K key, V value, BiFunction<? super V, ? super V, ? extends V> merge) {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(merge, "merge");
        return compute(key, (k, old) -> old == null ? value : merge.apply(old, value));
    }

    /**
     * Sets a key's value from a function unless it has one: as {@link Map#computeIfAbsent}.
     *
     * @param key  the key.
     * @param make makes the value; it runs in this process.
     * @return the key's value after the call.
     */
    public V computeIfAbsent(K key, Function<? super K, ? extends V> make) {
        Objects.requireNonNull(make, "make");
        V existing = get(key);
        if (existing != null) {
            return existing;
        }
        V value = make.apply(key);
        if (value == null) {
            return null;
        }
        V raced = putIfAbsent(key, value);
        return raced == null ? value : raced;
    }
}
