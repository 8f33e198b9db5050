package dev.troupe;

import dev.troupe.internal.objects.ObjectBackend;

/**
 * Named maps, lists and namespaces that a node hosts for all its processes: Python's
 * {@code multiprocessing.Manager().dict()}, {@code .list()} and {@code .Namespace()}. Get one from
 * {@link Troupe#manager()}; a handle captured by a task (or passed as its input) reaches the same object from the
 * worker, over the worker's link to its node.
 *
 * <p>Each call is atomic: the node applies calls one at a time, and a process killed during a call either made
 * its change whole or not at all. Beyond Python's proxies, {@link ManagedMap#merge}, {@link ManagedMap#compute}
 * and {@link ManagedMap#putIfAbsent} are atomic read-modify-writes, so {@code counts.merge(k, 1, Integer::sum)}
 * from many processes loses no increment (Python's {@code d[k] += 1} does).
 *
 * <p>Keys and values go through the same codecs as task inputs, and keys are compared by their encoded bytes:
 * use strings, numbers, enums or records of those as keys. The node keeps the objects until it closes; they hold
 * at most {@code troupe.manager.max-bytes} in all (a call past that fails and changes nothing).
 */
public final class Manager {
    private final ObjectBackend backend;

    Manager(ObjectBackend backend) {
        this.backend = backend;
    }

    /**
     * The map of this name, created empty on first use.
     *
     * @param name the map's name; maps and lists have separate names.
     * @param <K>  the keys' type.
     * @param <V>  the values' type.
     * @return a handle to it.
     */
    public <K, V> ManagedMap<K, V> map(String name) {
        return new ManagedMap<>(checkName(name), backend);
    }

    /**
     * The list of this name, created empty on first use.
     *
     * @param name the list's name.
     * @param <T>  the elements' type.
     * @return a handle to it.
     */
    public <T> ManagedList<T> list(String name) {
        return new ManagedList<>(checkName(name), backend);
    }

    /**
     * The namespace of this name, created empty on first use: Python's {@code Manager().Namespace()}.
     *
     * @param name the namespace's name; namespaces, maps and lists have separate names.
     * @return a handle to it.
     */
    public ManagedNamespace namespace(String name) {
        return new ManagedNamespace(checkName(name), backend);
    }

    static String checkName(String name) {
        if (name == null || name.isEmpty() || name.length() > 255) {
            throw new IllegalArgumentException("a managed object's name must have 1 to 255 characters, got "
                + (name == null ? "null" : name.length() + ": '" + name + "'"));
        }
        return name;
    }
}
