package dev.troupe.internal.codec;

import dev.troupe.CodecException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.NotSerializableException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;

/**
 * INTERNAL API. Java serialization for tasks (lambdas are only serializable this way) and for values no other
 * codec handles, always read behind an {@link ObjectInputFilter}: a size, depth and reference budget, and a
 * deny-list of classes known as deserialization gadgets, and a time budget. Thread-safe.
 *
 * <p>The time budget is checked each time the stream reads an object or a reference to one. Some small graphs take
 * forever to read because the classes they hold do unbounded work while being rebuilt: a {@code HashSet} nested a
 * hundred levels deep, whose members share their elements, makes each {@code hashCode} twice as slow as the one
 * below it. Such a graph is refused once its reading has taken longer than the budget, which it overruns by at most
 * the cost of the last step it took before a check.
 */
public final class JavaSerialization {

    /**
     * The default filter: budgets, gadget packages refused, everything else on the class path allowed (the
     * peer is a process this node started, or one that authenticated).
     */
    public static final String DEFAULT_FILTER = "maxdepth=200;maxrefs=10000000;maxarray=268435456;"
        + "!org.apache.commons.collections.functors.*;!org.apache.commons.collections4.functors.*;"
        + "!org.codehaus.groovy.runtime.*;!org.springframework.beans.factory.*;"
        + "!com.sun.org.apache.xalan.internal.xsltc.trax.*;!org.apache.xalan.xsltc.trax.*;"
        + "!javax.management.*;!com.sun.jndi.*;!java.rmi.*;!sun.rmi.*;!bsh.*;!org.mozilla.javascript.*;"
        + "!org.python.core.*;!clojure.*;!com.mchange.v2.c3p0.*;!org.hibernate.*;*";

    /** The default time budget for reading one value, before the allowance for its size. */
    public static final long DEFAULT_MAX_DECODE_NANOS = 5_000_000_000L;
    /** What the budget grows by per byte read: far more than reading a byte of an honest stream costs. */
    static final long BUDGET_NANOS_PER_BYTE = 100;

    private final ObjectInputFilter filter;
    private final boolean valuesAllowed;
    private final long maxDecodeNanos;

    /**
     * A serialization with the default time budget.
     *
     * @param filterPattern an {@link ObjectInputFilter.Config#createFilter} pattern.
     * @param valuesAllowed whether values (not only tasks) may use Java serialization.
     */
    public JavaSerialization(String filterPattern, boolean valuesAllowed) {
        this(filterPattern, valuesAllowed, DEFAULT_MAX_DECODE_NANOS);
    }

    /**
     * @param filterPattern  an {@link ObjectInputFilter.Config#createFilter} pattern.
     * @param valuesAllowed  whether values (not only tasks) may use Java serialization.
     * @param maxDecodeNanos how long reading one value may take, plus {@value #BUDGET_NANOS_PER_BYTE} ns per byte
     *                       read; 0 for no limit ({@code troupe.serialization.max-decode-time}).
     */
    public JavaSerialization(String filterPattern, boolean valuesAllowed, long maxDecodeNanos) {
        if (maxDecodeNanos < 0) {
            throw new IllegalArgumentException("the decode time budget must not be negative: " + maxDecodeNanos);
        }
        this.filter = ObjectInputFilter.Config.createFilter(filterPattern);
        this.valuesAllowed = valuesAllowed;
        this.maxDecodeNanos = maxDecodeNanos;
    }

    /**
     * @return whether values may be sent with Java serialization.
     */
    public boolean valuesAllowed() {
        return valuesAllowed;
    }

    /**
     * Serializes an object.
     *
     * @param value the object.
     * @param what  names it in the error message.
     * @return the bytes.
     * @throws CodecException when it or something it references is not serializable, or it is nested too deeply
     *                        to serialize.
     */
    public byte[] serialize(Object value, String what) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        } catch (NotSerializableException e) {
            throw new CodecException(what + " of type " + value.getClass().getName()
                + " cannot be sent to another process: it references " + e.getMessage()
                + ", which is not Serializable", e);
        } catch (IOException | RuntimeException e) {
            throw new CodecException(what + " of type " + value.getClass().getName()
                + " cannot be serialized: " + e, e);
        } catch (StackOverflowError e) {
            // Java serialization recurses once per level of the object graph and has no depth limit of its own.
            throw new CodecException(what + " of type " + value.getClass().getName() + " is nested too deeply to"
                + " serialize: the stack ran out; keep values within " + PayloadCodec.MAX_NESTING
                + " levels of nesting", e);
        }
        return bytes.toByteArray();
    }

    /**
     * Deserializes bytes behind the filter, resolving classes with {@code loader}.
     *
     * @param bytes  the bytes.
     * @param loader the class loader.
     * @param what   names the value in the error message.
     * @return the object.
     * @throws CodecException when the bytes are refused by the filter, name a class that cannot be loaded, or
     *                        are corrupt.
     */
    public Object deserialize(byte[] bytes, ClassLoader loader, String what) {
        BudgetFilter budget = maxDecodeNanos == 0 ? null : new BudgetFilter(filter, maxDecodeNanos);
        try (ObjectInputStream in = new LoaderObjectInputStream(new ByteArrayInputStream(bytes), loader)) {
            in.setObjectInputFilter(budget == null ? filter : budget);
            return in.readObject();
        } catch (java.io.InvalidClassException e) {
            if (budget != null && budget.overrunNanos != 0) {
                throw new CodecException(what + " (" + bytes.length + " bytes) was refused after "
                    + budget.overrunNanos / 1_000_000 + " ms of decoding, over its budget of "
                    + budget.allowedNanos / 1_000_000 + " ms (troupe.serialization.max-decode-time, plus "
                    + BUDGET_NANOS_PER_BYTE + " ns per byte): a graph whose decoding may never end, such as hash"
                    + " sets nested deeply with shared members", e);
            }
            throw new CodecException(what + " refused by the serialization filter or incompatible: "
                + e.getMessage(), e);
        } catch (ClassNotFoundException e) {
            throw new CodecException(what + " cannot be decoded: class " + e.getMessage()
                + " is not on this process's class path", e);
        } catch (IOException | RuntimeException e) {
            throw new CodecException(what + " cannot be decoded: " + e, e);
        } catch (StackOverflowError e) {
            // Only when a configured filter sets no maxdepth, as the default one does.
            throw new CodecException(what + " cannot be decoded: it is nested too deeply (the stack ran out); set"
                + " maxdepth in troupe.serialization.filter", e);
        }
    }

    /** The configured filter, after a check of the time spent so far on this one stream. */
    private static final class BudgetFilter implements ObjectInputFilter {
        private final ObjectInputFilter filter;
        private final long budgetNanos;
        private final long startNanos = System.nanoTime();
        /** How long reading had taken when the budget refused it; 0 while within. */
        long overrunNanos;
        long allowedNanos;

        BudgetFilter(ObjectInputFilter filter, long budgetNanos) {
            this.filter = filter;
            this.budgetNanos = budgetNanos;
        }

        @Override
        public Status checkInput(FilterInfo info) {
            long spent = System.nanoTime() - startNanos;
            long allowed = budgetNanos + Math.max(0, info.streamBytes()) * BUDGET_NANOS_PER_BYTE;
            if (spent > allowed) {
                overrunNanos = spent;
                allowedNanos = allowed;
                return Status.REJECTED;
            }
            return filter.checkInput(info);
        }
    }

    private static final class LoaderObjectInputStream extends ObjectInputStream {
        private final ClassLoader loader;

        LoaderObjectInputStream(InputStream in, ClassLoader loader) throws IOException {
            super(in);
            this.loader = loader;
        }

        @Override
        protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
            try {
                return Class.forName(desc.getName(), false, loader);
            } catch (ClassNotFoundException e) {
                return super.resolveClass(desc);
            }
        }
    }
}
