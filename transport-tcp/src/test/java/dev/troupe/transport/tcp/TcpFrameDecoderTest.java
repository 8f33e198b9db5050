package dev.troupe.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.Test;

class TcpFrameDecoderTest {

    @Test
    void aTlsRecordBeforeAuthenticationIsAFailedConnectionNotABadProof() {
        EmbeddedChannel channel = new EmbeddedChannel(new TcpFrameDecoder(1024));
        // A TLS alert record (content type 21, version 3.3), as a TLS server sends to a client that does not speak it.
        byte[] alert = {21, 3, 3, 0, 2, 2, 40};
        assertThatThrownBy(() -> channel.writeInbound(Unpooled.wrappedBuffer(alert)))
            .isInstanceOf(DecoderException.class).cause().isInstanceOf(SSLException.class)
            .hasMessageContaining("speaks TLS");
        channel.finishAndReleaseAll();
    }

    @Test
    void anOversizedFrameThatIsNoTlsRecordIsACorruptedFrame() {
        EmbeddedChannel channel = new EmbeddedChannel(new TcpFrameDecoder(1024));
        assertThatThrownBy(() -> channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 1, 0, 0, 1})))
            .isInstanceOf(CorruptedFrameException.class).hasMessageContaining("before authentication");
        assertThat(TcpFrameDecoder.looksLikeTls(0x16030100)).isTrue();
        assertThat(TcpFrameDecoder.looksLikeTls(0x00010000)).isFalse();
        channel.finishAndReleaseAll();
    }
}
