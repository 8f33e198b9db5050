package dev.troupe.internal.node;

import com.google.protobuf.ByteString;
import dev.troupe.Task;
import dev.troupe.internal.codec.JavaSerialization;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * INTERNAL API. Serializes tasks once and gives equal tasks one id, so a worker deserializes a function once
 * however often it is submitted. Thread-safe.
 */
final class Functions {
    private static final int MAX_BY_IDENTITY = 256;
    private static final int MAX_BY_CONTENT = 1024;

    private final JavaSerialization java;
    private final AtomicLong ids = new AtomicLong();
    private final Map<IdentityKey, TaskFunction> byIdentity = lru(MAX_BY_IDENTITY);
    private final Map<ByteString, TaskFunction> byContent = lru(MAX_BY_CONTENT);

    Functions(JavaSerialization java) {
        this.java = java;
    }

    TaskFunction of(Task<?, ?> task) {
        IdentityKey key = new IdentityKey(task);
        synchronized (this) {
            TaskFunction f = byIdentity.get(key);
            if (f != null) {
                return f;
            }
        }
        ByteString bytes = ByteString.copyFrom(java.serialize(task, "task"));
        synchronized (this) {
            TaskFunction f = byContent.get(bytes);
            if (f == null) {
                f = new TaskFunction(ids.incrementAndGet(), bytes, task.getClass().getName());
                byContent.put(bytes, f);
            }
            byIdentity.put(key, f);
            return f;
        }
    }

    private static <K, V> Map<K, V> lru(int max) {
        return new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > max;
            }
        };
    }

    private static final class IdentityKey {
        private final Object ref;

        IdentityKey(Object ref) {
            this.ref = ref;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof IdentityKey && ((IdentityKey) o).ref == ref;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(ref);
        }
    }
}
