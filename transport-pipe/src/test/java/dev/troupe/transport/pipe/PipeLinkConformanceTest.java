package dev.troupe.transport.pipe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.troupe.spi.AbstractLinkConformanceTest;
import dev.troupe.spi.TransportProvider;
import java.nio.file.Files;
import java.nio.file.Path;

/** The link conformance suite over Unix domain sockets. */
class PipeLinkConformanceTest extends AbstractLinkConformanceTest {
    private final PipeTransportProvider provider = new PipeTransportProvider();

    @Override
    protected TransportProvider provider() {
        return provider;
    }

    @Override
    protected void assertNothingLeftBehind() throws Exception {
        try (var files = Files.list(runDirectory)) {
            assertThat(files.map(Path::getFileName)).as("socket files removed on close").isEmpty();
        }
    }
}
