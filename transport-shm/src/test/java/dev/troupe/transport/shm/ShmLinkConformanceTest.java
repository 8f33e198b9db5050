package dev.troupe.transport.shm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.troupe.spi.AbstractLinkConformanceTest;
import dev.troupe.spi.LinkServer;
import dev.troupe.spi.TransportProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The link conformance suite over shared memory, with 64 KiB rings: envelopes over 8 KiB are fragmented and a fast
 * sender fills a ring.
 */
class ShmLinkConformanceTest extends AbstractLinkConformanceTest {
    private final ShmTransportProvider provider = new ShmTransportProvider();

    /** Small rings on both sides; the peer process gets them with the client's options. */
    @Override
    protected Map<String, String> listenOptions(Path dir) {
        return Map.of("ring-bytes", "64KiB");
    }

    @Override
    protected TransportProvider provider() {
        return provider;
    }

    /** The last fragment of a message whose first fragment never came: no sender writes that. */
    @Override
    protected AutoCloseable connectAndSendGarbage(LinkServer to) throws Exception {
        ShmLink link = (ShmLink) provider.connect(to.address(), connectSettings(MAX_FRAME_BYTES));
        ShmRing tx = link.txRing();
        int index = tx.tryClaim(ShmLink.LAST, 16);
        tx.buffer().putLong(index, 0x5eedL);
        tx.commit(index);
        return link::close;
    }

    @Override
    protected void assertNothingLeftBehind() throws Exception {
        try (var files = Files.list(runDirectory)) {
            assertThat(files.map(Path::getFileName)).as("socket files removed on close").isEmpty();
        }
        assertThat(ShmLinkTest.segmentDirectories()).as("segment directories removed").isEmpty();
    }
}
