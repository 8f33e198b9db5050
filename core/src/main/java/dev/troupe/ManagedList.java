package dev.troupe;

import com.google.protobuf.ByteString;
import dev.troupe.internal.objects.ObjectBackend;
import dev.troupe.wire.ObjectCall.Op;
import dev.troupe.wire.ObjectReply;
import java.util.ArrayList;
import java.util.List;

/**
 * A list its node hosts for all its processes (see {@link Manager}): Python's {@code Manager().list()}. Every method
 * is one atomic step at the node. Null elements are not allowed. Thread-safe; serializable as its name.
 *
 * @param <T> the elements' type.
 */
public final class ManagedList<T> extends ManagedObject {
    private static final long serialVersionUID = 1L;

    ManagedList(String name, ObjectBackend backend) {
        super("list:" + name, backend);
    }

    /**
     * Adds an element at the end.
     *
     * @param value the element.
     * @return the list's size after it.
     */
    public int append(T value) {
        return (int) call(op(Op.LIST_APPEND).setHasValue(true).setValue(encode(value, "an element"))).getCount();
    }

    /**
     * @param index the position, from 0.
     * @return the element there.
     * @throws TroupeException when the index is out of range; the message says the size.
     */
    public T get(int index) {
        return decode(call(op(Op.LIST_GET).setIndex(index)).getValue());
    }

    /**
     * @param index the position, from 0.
     * @param value the new element.
     * @return the element it replaced.
     */
    public T set(int index, T value) {
        ByteString v = encode(value, "an element");
        return decode(call(op(Op.LIST_SET).setIndex(index).setHasValue(true).setValue(v)).getValue());
    }

    /**
     * @param index the position, from 0.
     * @return the element removed; the later ones move down.
     */
    public T remove(int index) {
        return decode(call(op(Op.LIST_REMOVE).setIndex(index)).getValue());
    }

    /**
     * @return how many elements it has.
     */
    public int size() {
        return (int) call(Op.SIZE).getCount();
    }

    /** Removes every element. */
    public void clear() {
        call(Op.CLEAR);
    }

    /**
     * @return a copy of the elements, taken atomically.
     */
    public List<T> snapshot() {
        ObjectReply r = call(Op.LIST_ITEMS);
        List<T> out = new ArrayList<>(r.getItemsCount());
        for (ByteString item : r.getItemsList()) {
            out.add(decode(item));
        }
        return out;
    }
}
