package dev.troupe.internal.node;

import java.io.File;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * INTERNAL API. Assembles the class path of a worker JVM when {@code troupe.worker.classpath} is not set.
 * {@code java.class.path} alone is not enough: under {@code mvn exec:java}, in IDEs and in application servers
 * the node's classes come from class loaders of their own, and {@code java.class.path} names only a launcher.
 * So the class path is, in order and without repeats: {@code java.class.path}; the URLs of the given class
 * loaders and of their parents that are {@link URLClassLoader}s; the code sources (jar or directory) of the
 * given classes (Troupe's own, its transports', a spawned task's). Stateless and thread-safe.
 */
final class WorkerClasspath {
    private WorkerClasspath() {
    }

    /**
     * @param javaClassPath the value of {@code java.class.path}, or {@code null}.
     * @param loaders       class loaders whose URLs (and whose parents' URLs) are added; {@code null}s are skipped.
     * @param classes       classes whose code source is added when it is a file or directory.
     * @return the entries, absolute, in order, each once.
     */
    static List<String> entries(String javaClassPath, List<ClassLoader> loaders, List<Class<?>> classes) {
        Set<String> out = new LinkedHashSet<>();
        if (javaClassPath != null) {
            for (String entry : javaClassPath.split(File.pathSeparator)) {
                if (!entry.isBlank()) {
                    out.add(normalize(Path.of(entry)));
                }
            }
        }
        for (ClassLoader loader : loaders) {
            List<URLClassLoader> chain = new ArrayList<>();
            for (ClassLoader l = loader; l != null; l = l.getParent()) {
                if (l instanceof URLClassLoader) {
                    chain.add((URLClassLoader) l);
                }
            }
            // Parents first, as the class loaders themselves look classes up.
            for (int i = chain.size() - 1; i >= 0; i--) {
                for (URL url : chain.get(i).getURLs()) {
                    addUrl(out, url);
                }
            }
        }
        for (Class<?> c : classes) {
            CodeSource source = c.getProtectionDomain() == null ? null : c.getProtectionDomain().getCodeSource();
            if (source != null && source.getLocation() != null) {
                addUrl(out, source.getLocation());
            }
        }
        return List.copyOf(out);
    }

    /**
     * @return {@link #entries} joined with the platform's path separator.
     */
    static String join(List<String> entries) {
        return String.join(File.pathSeparator, entries);
    }

    /** Adds a {@code file:} URL as a path; other schemes (a jar nested in a jar, http) cannot be a class path entry. */
    private static void addUrl(Set<String> out, URL url) {
        if (!"file".equalsIgnoreCase(url.getProtocol())) {
            return;
        }
        try {
            out.add(normalize(Path.of(new URI(url.toString().replace(" ", "%20")))));
        } catch (Exception malformed) {
            // Not a path this JVM can name: leave it out rather than pass on a broken entry.
        }
    }

    private static String normalize(Path p) {
        return p.toAbsolutePath().normalize().toString();
    }
}
