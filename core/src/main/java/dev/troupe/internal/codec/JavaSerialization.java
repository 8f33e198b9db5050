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
 * deny-list of classes known as deserialization gadgets. Thread-safe.
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

    private final ObjectInputFilter filter;
    private final boolean valuesAllowed;

    /**
     * @param filterPattern an {@link ObjectInputFilter.Config#createFilter} pattern.
     * @param valuesAllowed whether values (not only tasks) may use Java serialization.
     */
    public JavaSerialization(String filterPattern, boolean valuesAllowed) {
        this.filter = ObjectInputFilter.Config.createFilter(filterPattern);
        this.valuesAllowed = valuesAllowed;
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
        try (ObjectInputStream in = new LoaderObjectInputStream(new ByteArrayInputStream(bytes), loader)) {
            in.setObjectInputFilter(filter);
            return in.readObject();
        } catch (ClassNotFoundException e) {
            throw new CodecException(what + " cannot be decoded: class " + e.getMessage()
                + " is not on this process's class path", e);
        } catch (java.io.InvalidClassException e) {
            throw new CodecException(what + " refused by the serialization filter or incompatible: "
                + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            throw new CodecException(what + " cannot be decoded: " + e, e);
        } catch (StackOverflowError e) {
            // Only when a configured filter sets no maxdepth, as the default one does.
            throw new CodecException(what + " cannot be decoded: it is nested too deeply (the stack ran out); set"
                + " maxdepth in troupe.serialization.filter", e);
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
