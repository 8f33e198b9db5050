package dev.troupe.internal.objects;

import com.google.protobuf.ByteString;
import dev.troupe.wire.ObjectCall;
import dev.troupe.wire.ObjectReply;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * INTERNAL API. Hosts a node's managed maps and lists. It applies one call at a time, under its monitor, so each call
 * is atomic; keys and values are the callers' encoded bytes, compared by content and never decoded here. What it
 * holds in all is bounded by {@code troupe.manager.max-bytes}: a call that would pass it is refused, and nothing
 * changes. The link threads call it directly: a hop to an actor cost a thread wake-up per call, which halved the
 * calls a worker could make per second, and each call is short and never blocks.
 */
public final class ObjectHost {
    /** A map's entry: the value and its version (each change gets a new one from the host's counter). */
    private record Entry(ByteString value, long version) {
    }

    private final long maxBytes;
    private final Map<String, LinkedHashMap<ByteString, Entry>> maps = new HashMap<>();
    private final Map<String, ArrayList<ByteString>> lists = new HashMap<>();
    private long bytes;
    private long versions;

    /**
     * @param maxBytes the most the keys and values may hold in all.
     */
    public ObjectHost(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /**
     * Applies a call.
     *
     * @param call the call.
     * @return its reply: the outcome, or the reason it was refused (then nothing changed).
     */
    public synchronized ObjectReply handle(ObjectCall call) {
        ObjectReply.Builder reply = ObjectReply.newBuilder().setCallId(call.getCallId());
        try {
            apply(call, reply);
        } catch (Refused e) {
            reply.clear().setCallId(call.getCallId()).setError(e.getMessage());
        }
        return reply.build();
    }

    /** A call refused with a reason; nothing was changed. */
    private static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message, null, false, false);
        }
    }

    private void apply(ObjectCall c, ObjectReply.Builder r) {
        String object = c.getObject();
        if (object.startsWith("map:") || object.startsWith("ns:")) {
            applyMap(object, c, r);
        } else if (object.startsWith("list:")) {
            applyList(object, c, r);
        } else {
            throw new Refused("unknown object kind in '" + object + "'");
        }
    }

    private void applyMap(String object, ObjectCall c, ObjectReply.Builder r) {
        LinkedHashMap<ByteString, Entry> map = maps.computeIfAbsent(object, k -> new LinkedHashMap<>());
        ByteString key = c.getKey();
        Entry old = map.get(key);
        switch (c.getOp()) {
            case GET:
                answer(r, old);
                break;
            case PUT:
                answer(r, old);
                r.setVersion(store(map, key, old, c.getValue()));
                break;
            case REMOVE:
                answer(r, old);
                remove(map, key, old);
                break;
            case SIZE:
                r.setCount(map.size());
                break;
            case CLEAR:
                r.setCount(map.size());
                for (Map.Entry<ByteString, Entry> e : map.entrySet()) {
                    bytes -= e.getKey().size() + e.getValue().value().size();
                }
                map.clear();
                break;
            case ENTRIES:
                for (Map.Entry<ByteString, Entry> e : map.entrySet()) {
                    r.addItems(e.getKey()).addItems(e.getValue().value());
                }
                r.setCount(map.size());
                break;
            case COMPARE_AND_SET: {
                long current = old == null ? 0 : old.version();
                if (current != c.getExpectedVersion()) {
                    answer(r, old);
                    break;
                }
                r.setApplied(true).setFound(old != null);
                if (c.getHasValue()) {
                    r.setVersion(store(map, key, old, c.getValue()));
                } else {
                    remove(map, key, old);
                }
                break;
            }
            default:
                throw new Refused(c.getOp() + " is not a map operation (" + object + ")");
        }
    }

    private static void answer(ObjectReply.Builder r, Entry e) {
        if (e != null) {
            r.setFound(true).setValue(e.value()).setVersion(e.version());
        }
    }

    private long store(Map<ByteString, Entry> map, ByteString key, Entry old, ByteString value) {
        long grow = value.size() + (old == null ? key.size() : -old.value().size());
        reserve(grow);
        long version = ++versions;
        map.put(key, new Entry(value, version));
        bytes += grow;
        return version;
    }

    private void remove(Map<ByteString, Entry> map, ByteString key, Entry old) {
        if (old != null) {
            map.remove(key);
            bytes -= key.size() + old.value().size();
        }
    }

    private void reserve(long grow) {
        if (grow > 0 && bytes + grow > maxBytes) {
            throw new Refused("the node's managed objects would hold " + (bytes + grow) + " bytes, over the limit of "
                + maxBytes + " (troupe.manager.max-bytes)");
        }
    }

    private void applyList(String object, ObjectCall c, ObjectReply.Builder r) {
        ArrayList<ByteString> list = lists.computeIfAbsent(object, k -> new ArrayList<>());
        switch (c.getOp()) {
            case LIST_APPEND:
                reserve(c.getValue().size());
                list.add(c.getValue());
                bytes += c.getValue().size();
                r.setCount(list.size());
                break;
            case LIST_GET:
                r.setFound(true).setValue(list.get(index(object, list, c.getIndex())));
                break;
            case LIST_SET: {
                int i = index(object, list, c.getIndex());
                ByteString old = list.get(i);
                reserve(c.getValue().size() - old.size());
                list.set(i, c.getValue());
                bytes += c.getValue().size() - old.size();
                r.setFound(true).setValue(old);
                break;
            }
            case LIST_REMOVE: {
                ByteString old = list.remove(index(object, list, c.getIndex()));
                bytes -= old.size();
                r.setFound(true).setValue(old);
                break;
            }
            case LIST_ITEMS:
                r.addAllItems(list).setCount(list.size());
                break;
            case SIZE:
                r.setCount(list.size());
                break;
            case CLEAR:
                r.setCount(list.size());
                for (ByteString v : list) {
                    bytes -= v.size();
                }
                list.clear();
                break;
            default:
                throw new Refused(c.getOp() + " is not a list operation (" + object + ")");
        }
    }

    private static int index(String object, List<ByteString> list, long index) {
        if (index < 0 || index >= list.size()) {
            throw new Refused("index " + index + " is out of range for " + object.substring("list:".length())
                + " of size " + list.size());
        }
        return (int) index;
    }
}
