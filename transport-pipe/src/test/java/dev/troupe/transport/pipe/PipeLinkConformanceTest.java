package dev.troupe.transport.pipe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.troupe.spi.AbstractLinkConformanceTest;
import dev.troupe.spi.LinkServer;
import dev.troupe.spi.TransportProvider;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/** The link conformance suite over Unix domain sockets. */
class PipeLinkConformanceTest extends AbstractLinkConformanceTest {
    private final PipeTransportProvider provider = new PipeTransportProvider();

    @Override
    protected TransportProvider provider() {
        return provider;
    }

    /** A frame of five bytes that are not an envelope: a field number no envelope has, with a truncated length. */
    @Override
    protected AutoCloseable connectAndSendGarbage(LinkServer to) throws Exception {
        SocketChannel raw = SocketChannel.open(UnixDomainSocketAddress.of(PipeTransportProvider.pathOf(to.address())));
        ByteBuffer frame = ByteBuffer.wrap(new byte[] {0, 0, 0, 5, (byte) 0xfa, (byte) 0xff, 0x7f, 0x05, 0x01});
        while (frame.hasRemaining()) {
            raw.write(frame);
        }
        return raw;
    }

    @Override
    protected void assertNothingLeftBehind() throws Exception {
        try (var files = Files.list(runDirectory)) {
            assertThat(files.map(Path::getFileName)).as("socket files removed on close").isEmpty();
        }
    }
}
