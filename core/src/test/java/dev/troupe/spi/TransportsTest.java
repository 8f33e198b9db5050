package dev.troupe.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The errors of {@link Transports} with no transport on the class path (core's tests have none). */
class TransportsTest {

    @Test
    void aWrongNameListsTheValidNamesAndSuggestsNoArtifact() {
        assertThatThrownBy(() -> Transports.find("carrier-pigeon"))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("no transport named 'carrier-pigeon'")
            .hasMessageContaining("valid names: pipe, shm, tcp, auto")
            .message().doesNotContain("troupe-transport-carrier-pigeon");
    }

    @Test
    void aShippedTransportThatIsNotOnTheClassPathNamesItsArtifact() {
        assertThatThrownBy(() -> Transports.find("TCP"))
            .hasMessageContaining("no transport named 'tcp'")
            .hasMessageContaining("Add dev.troupe:troupe-transport-tcp to the class path")
            .message().doesNotContain("service");
        assertThatThrownBy(() -> Transports.forAddress("shm:/dev/shm/x"))
            .hasMessageContaining("Add dev.troupe:troupe-transport-shm");
    }

    @Test
    void autoWithNoTransportAtAllNamesTheArtifactsToAdd() {
        assertThatThrownBy(() -> Transports.find(Transports.AUTO))
            .hasMessageContaining("no transport is on the class path")
            .hasMessageContaining("dev.troupe:troupe-transport-shm")
            .hasMessageContaining("dev.troupe:troupe-transport-pipe");
    }

    @Test
    void providerClassNamesFollowTheModules() {
        assertThat(Transports.providerClassName("tcp")).isEqualTo("dev.troupe.transport.tcp.TcpTransportProvider");
        assertThat(Transports.providerClassName("shm")).isEqualTo("dev.troupe.transport.shm.ShmTransportProvider");
        assertThat(Transports.providerClassName("pipe")).isEqualTo("dev.troupe.transport.pipe.PipeTransportProvider");
    }
}
