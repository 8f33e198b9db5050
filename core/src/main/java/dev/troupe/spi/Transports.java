package dev.troupe.spi;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * Finds {@link TransportProvider}s on the class path. Thread-safe.
 */
public final class Transports {

    /** The configuration value that picks the available provider with the highest priority. */
    public static final String AUTO = "auto";

    private Transports() {
    }

    /**
     * All providers on the class path, available or not, highest priority first.
     *
     * @return the providers.
     */
    public static List<TransportProvider> all() {
        List<TransportProvider> providers = new ArrayList<>();
        ServiceLoader.load(TransportProvider.class, Transports.class.getClassLoader()).forEach(providers::add);
        providers.sort(Comparator.comparingInt(TransportProvider::priority).reversed());
        return providers;
    }

    /**
     * The provider with the given name, or the best available one for {@link #AUTO}.
     *
     * @param name a provider name such as {@code pipe}, or {@code auto}.
     * @return an available provider.
     * @throws IllegalStateException when no such provider is on the class path (the message names the artifact
     *                               to add) or when it is not available on this machine (the message says why).
     */
    public static TransportProvider find(String name) {
        String wanted = name.trim().toLowerCase(Locale.ROOT);
        List<TransportProvider> providers = all();
        if (AUTO.equals(wanted)) {
            for (TransportProvider p : providers) {
                if (p.isAvailable()) {
                    return p;
                }
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
        throw new IllegalStateException("no transport named '" + wanted + "' (troupe.transport); found "
            + describe(providers) + ". Add dev.troupe:troupe-transport-" + wanted + " to the class path.");
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
