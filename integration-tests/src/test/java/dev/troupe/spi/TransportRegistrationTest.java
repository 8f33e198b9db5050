package dev.troupe.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The transport classes are on the class path but their service registrations are not, as in a fat jar merged
 * without the ServicesResourceTransformer: the error says so instead of asking for an artifact that is there.
 */
class TransportRegistrationTest {

    /** Shows the service files of the named transports only; every class as its parent does. */
    private static ClassLoader keepingServiceFilesOf(String... transports) {
        return new ClassLoader(TransportRegistrationTest.class.getClassLoader()) {
            @Override
            public Enumeration<URL> getResources(String name) throws IOException {
                Enumeration<URL> all = super.getResources(name);
                if (!name.equals(Transports.SERVICE_FILE)) {
                    return all;
                }
                List<URL> kept = new ArrayList<>();
                for (URL u : Collections.list(all)) {
                    for (String t : transports) {
                        if (u.toString().contains("transport-" + t)) {
                            kept.add(u);
                        }
                    }
                }
                return Collections.enumeration(kept);
            }
        };
    }

    @Test
    void allTransportsAreFoundWithTheirRegistrations() {
        assertThat(Transports.all(keepingServiceFilesOf("pipe", "shm", "tcp")))
            .extracting(TransportProvider::name).containsExactlyInAnyOrder("pipe", "shm", "tcp");
    }

    @Test
    void aTransportWhoseRegistrationWasLostInAMergeNamesTheServiceFileAndTheTransformer() {
        assertThatThrownBy(() -> Transports.find("tcp", keepingServiceFilesOf("shm")))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("no transport named 'tcp' is registered")
            .hasMessageContaining("dev.troupe.transport.tcp.TcpTransportProvider is on the class path")
            .hasMessageContaining("META-INF/services/dev.troupe.spi.TransportProvider")
            .hasMessageContaining("ServicesResourceTransformer")
            .hasMessageContaining("Registered: shm")
            .message().doesNotContain("Add dev.troupe:troupe-transport-tcp");
    }

    @Test
    void autoDoesNotPickTheOneRegistrationThatSurvivedAMerge() {
        // Picking tcp here would fail later with a stranger error: a node on tcp asks for a shared secret.
        assertThatThrownBy(() -> Transports.find(Transports.AUTO, keepingServiceFilesOf("tcp")))
            .hasMessageContaining("only tcp registered, but the providers of pipe, shm are on the class path")
            .hasMessageContaining("ServicesResourceTransformer");
    }

    @Test
    void autoWithNoRegistrationAtAllNamesTheTransportsWhoseClassesAreThere() {
        assertThatThrownBy(() -> Transports.find(Transports.AUTO, keepingServiceFilesOf()))
            .hasMessageContaining("no transport is registered, but the providers of pipe, shm, tcp are on the class"
                + " path")
            .hasMessageContaining("ServicesResourceTransformer");
    }

    @Test
    void shouldMakeTheNamedProviderClassAndFallBackWhenItDoesNotFit() {
        String pipe = Transports.find("pipe").getClass().getName();
        String shm = Transports.find("shm").getClass().getName();
        assertThat(Transports.forAddress("pipe:/tmp/x.sock", pipe).getClass().getName()).isEqualTo(pipe);
        // A class of another scheme, a class that is no provider, a class that is not there: found as usual.
        assertThat(Transports.forAddress("pipe:/tmp/x.sock", shm).name()).isEqualTo("pipe");
        assertThat(Transports.forAddress("pipe:/tmp/x.sock", String.class.getName()).name()).isEqualTo("pipe");
        assertThat(Transports.forAddress("pipe:/tmp/x.sock", "no.such.Provider").name()).isEqualTo("pipe");
        assertThatThrownBy(() -> Transports.forAddress("nope:/x", pipe)).isInstanceOf(IllegalStateException.class);
    }
}
