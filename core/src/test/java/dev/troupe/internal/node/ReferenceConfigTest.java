package dev.troupe.internal.node;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import dev.troupe.Troupe;
import dev.troupe.TroupeException;
import java.io.IOException;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** A node whose libraries' defaults are missing, as in a fat jar that kept one {@code reference.conf}. */
class ReferenceConfigTest {
    private static final String APPENDING = "org.apache.maven.plugins.shade.resource.AppendingTransformer";

    @Test
    void aConfigWithoutPekkoNamesTheAppendingTransformer() {
        assertThatThrownBy(() -> Node.requireReferenceConfig(ConfigFactory.parseString("troupe.worker.java = \"\"")))
            .isInstanceOf(TroupeException.class)
            .hasMessageContaining("Apache Pekko's (no 'pekko.version')")
            .hasMessageContaining(APPENDING)
            .hasMessageContaining("<resource>reference.conf</resource>");
        assertThatThrownBy(() -> Node.requireReferenceConfig(ConfigFactory.parseString("pekko.version = 1.7.0")))
            .hasMessageContaining("Troupe core's (no 'troupe.worker')")
            .hasMessageContaining(APPENDING);
        assertThatThrownBy(() -> Node.requireReferenceConfig(ConfigFactory.empty()))
            .hasMessageContaining("Apache Pekko's (no 'pekko.version') and Troupe core's (no 'troupe.worker')");
        assertThatCode(() -> Node.requireReferenceConfig(ConfigFactory.load())).doesNotThrowAnyException();
    }

    @Test
    void troupeLocalOnAClassPathWhereOnlyTroupesReferenceConfSurvivedSaysHowToMergeThem() {
        // What a shaded jar without the AppendingTransformer holds: one reference.conf, here core's.
        ClassLoader onlyCore = new ResourceFilter(ReferenceConfigTest.class.getClassLoader(),
            url -> !url.toString().contains("pekko"));
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(onlyCore);
        try {
            assertThatThrownBy(() -> Troupe.local(ConfigFactory.load(onlyCore)).close())
                .isInstanceOf(TroupeException.class)
                .hasMessageContaining("no 'pekko.version'")
                .hasMessageContaining(APPENDING);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /** Shows only the {@code reference.conf} files that pass a test; everything else as its parent does. */
    private static final class ResourceFilter extends ClassLoader {
        private final Predicate<URL> keep;

        ResourceFilter(ClassLoader parent, Predicate<URL> keep) {
            super(parent);
            this.keep = keep;
        }

        @Override
        public Enumeration<URL> getResources(String name) throws IOException {
            Enumeration<URL> all = super.getResources(name);
            if (!name.equals("reference.conf")) {
                return all;
            }
            List<URL> kept = new ArrayList<>();
            for (URL u : Collections.list(all)) {
                if (keep.test(u)) {
                    kept.add(u);
                }
            }
            return Collections.enumeration(kept);
        }

        @Override
        public URL getResource(String name) {
            try {
                Enumeration<URL> e = getResources(name);
                return e.hasMoreElements() ? e.nextElement() : null;
            } catch (IOException e) {
                return null;
            }
        }
    }
}
