package dev.troupe.spi;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * Finds {@link TransportProvider}s on the class path. Thread-safe.
 */
public final class Transports {

    /** The configuration value that picks the available provider with the highest priority. */
    public static final String AUTO = "auto";

    /** Where {@link java.util.ServiceLoader} finds the providers; each transport jar registers its own there. */
    static final String SERVICE_FILE = "META-INF/services/" + TransportProvider.class.getName();

    /** The transports Troupe ships, each in the artifact {@code dev.troupe:troupe-transport-NAME}. */
    static final List<String> SHIPPED = List.of("pipe", "shm", "tcp");

    private Transports() {
    }

    /**
     * All providers on the class path, available or not, highest priority first.
     *
     * @return the providers.
     */
    public static List<TransportProvider> all() {
        return all(Transports.class.getClassLoader());
    }

    static List<TransportProvider> all(ClassLoader loader) {
        List<TransportProvider> providers = new ArrayList<>();
        ServiceLoader.load(TransportProvider.class, loader).forEach(providers::add);
        providers.sort(Comparator.comparingInt(TransportProvider::priority).reversed());
        return providers;
    }

    /**
     * The provider with the given name, or the best available one for {@link #AUTO}.
     *
     * @param name a provider name such as {@code pipe}, or {@code auto}.
     * @return an available provider.
     * @throws IllegalStateException when no such provider is registered (the message names the artifact to add,
     *                               the valid names, or the service registration a fat jar lost) or when it is not
     *                               available on this machine (the message says why).
     */
    public static TransportProvider find(String name) {
        return find(name, Transports.class.getClassLoader());
    }

    static TransportProvider find(String name, ClassLoader loader) {
        String wanted = name.trim().toLowerCase(Locale.ROOT);
        List<TransportProvider> providers = all(loader);
        if (AUTO.equals(wanted)) {
            // A shipped provider that is there but not registered means a merge lost its service file: picking
            // among the survivors would hide that behind a stranger error (tcp asking for a secret, say).
            List<String> unregistered = unregistered(providers, loader);
            if (!unregistered.isEmpty()) {
                throw new IllegalStateException((providers.isEmpty() ? "no transport is registered" : "only "
                    + describe(providers) + " registered") + ", but the providers of " + String.join(", ", unregistered)
                    + " are on the class path: " + lostRegistration());
            }
            for (TransportProvider p : providers) {
                if (p.isAvailable()) {
                    return p;
                }
            }
            if (providers.isEmpty()) {
                throw new IllegalStateException("no transport is on the class path. Add dev.troupe:troupe-transport-shm"
                    + " (shared memory, Linux) or dev.troupe:troupe-transport-pipe (Unix domain sockets).");
            }
            throw new IllegalStateException("no transport is available on this machine; found "
                + describe(providers) + ". Add dev.troupe:troupe-transport-pipe to the class path.");
        }
        for (TransportProvider p : providers) {
            if (p.name().equals(wanted)) {
                if (!p.isAvailable()) {
                    throw new IllegalStateException("transport '" + wanted + "' is not available on this machine: "
                        + p.unavailabilityCause(), p.unavailabilityCause());
                }
                return p;
            }
        }
        if (!SHIPPED.contains(wanted)) {
            Set<String> valid = new LinkedHashSet<>(SHIPPED);
            providers.forEach(p -> valid.add(p.name()));
            valid.add(AUTO);
            throw new IllegalStateException("no transport named '" + wanted + "' (troupe.transport or an address"
                + " scheme); valid names: " + String.join(", ", valid));
        }
        if (loadable(providerClassName(wanted), loader)) {
            throw new IllegalStateException("no transport named '" + wanted + "' is registered, but its provider "
                + providerClassName(wanted) + " is on the class path: " + lostRegistration() + " Registered: "
                + describe(providers) + ".");
        }
        throw new IllegalStateException("no transport named '" + wanted + "' (troupe.transport); found "
            + describe(providers) + ". Add dev.troupe:troupe-transport-" + wanted + " to the class path.");
    }

    private static String lostRegistration() {
        return "the service registration in " + SERVICE_FILE + " is missing, as in a fat jar whose"
            + " service files were not merged (each transport jar has its own, and a plain merge keeps one). With"
            + " maven-shade-plugin add <transformer implementation=\"org.apache.maven.plugins.shade.resource"
            + ".ServicesResourceTransformer\"/>; with Gradle Shadow, mergeServiceFiles().";
    }

    /** The provider class of a shipped transport: {@code dev.troupe.transport.tcp.TcpTransportProvider}. */
    static String providerClassName(String shipped) {
        return "dev.troupe.transport." + shipped + "." + Character.toUpperCase(shipped.charAt(0))
            + shipped.substring(1) + "TransportProvider";
    }

    /** Shipped transports whose provider class is loadable but that the service loader did not find. */
    private static List<String> unregistered(List<TransportProvider> registered, ClassLoader loader) {
        List<String> out = new ArrayList<>();
        for (String name : SHIPPED) {
            if (registered.stream().noneMatch(p -> p.name().equals(name))
                && loadable(providerClassName(name), loader)) {
                out.add(name);
            }
        }
        return out;
    }

    private static boolean loadable(String className, ClassLoader loader) {
        try {
            Class.forName(className, false, loader);
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * The provider for an address, chosen by its scheme ({@code pipe:/...}).
     *
     * @param address an address from {@link LinkServer#address()}.
     * @return an available provider.
     * @throws IllegalStateException as {@link #find}, or when the address has no scheme.
     */
    public static TransportProvider forAddress(String address) {
        int colon = address.indexOf(':');
        if (colon <= 0) {
            throw new IllegalStateException("address '" + address + "' has no transport scheme (pipe:, tcp:, ...)");
        }
        return find(address.substring(0, colon));
    }

    /**
     * The provider of an address, made from its class when that is given and names an available provider of the
     * address's scheme; else found as {@link #forAddress(String)} finds it. Loading the class directly spares
     * {@link java.util.ServiceLoader}'s look into every jar of the class path, which a worker JVM pays at start.
     *
     * @param address       an address such as {@code shm:/tmp/...}.
     * @param providerClass the provider's class name, or {@code null}.
     * @return an available provider.
     * @throws IllegalStateException as {@link #forAddress(String)}.
     */
    public static TransportProvider forAddress(String address, String providerClass) {
        if (providerClass != null && !providerClass.isBlank()) {
            try {
                Class<?> type = Class.forName(providerClass, true, Transports.class.getClassLoader());
                if (TransportProvider.class.isAssignableFrom(type)) {
                    TransportProvider p = (TransportProvider) type.getDeclaredConstructor().newInstance();
                    if (address.startsWith(p.name() + ":") && p.isAvailable()) {
                        return p;
                    }
                }
            } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                // not loadable here: found the usual way, which says what is wrong
            }
        }
        return forAddress(address);
    }

    private static String describe(List<TransportProvider> providers) {
        if (providers.isEmpty()) {
            return "none";
        }
        StringBuilder sb = new StringBuilder();
        for (TransportProvider p : providers) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(p.name()).append(p.isAvailable() ? "" : " (unavailable)");
        }
        return sb.toString();
    }
}
