package dev.troupe.bench;

import dev.troupe.internal.WorkerLaunch;
import dev.troupe.wire.Envelope;
import dev.troupe.wire.Heartbeat;
import dev.troupe.spi.Link;
import dev.troupe.spi.LinkHandler;
import dev.troupe.wire.MalformedFrameException;
import dev.troupe.spi.TransportSettings;
import dev.troupe.spi.Transports;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * The far end of the link benchmarks, in its own JVM. {@code LinkPeer ADDRESS echo [OPTIONS]} parses every envelope
 * and sends it back; {@code LinkPeer ADDRESS echo-frames [OPTIONS]} sends each back as the bytes it arrived in where
 * the transport hands those over ({@link LinkHandler#onFrame}); {@code LinkPeer ADDRESS sink [OPTIONS]} counts
 * envelopes and answers a heartbeat with the count. Exits when the link closes. OPTIONS are the transport's options,
 * one {@code key=value} a line (the TCP secret file).
 */
public final class LinkPeer {
    private LinkPeer() {
    }

    public static void main(String[] args) throws Exception {
        String address = args[0];
        boolean frames = args[1].equals("echo-frames");
        boolean echo = frames || args[1].equals("echo");
        TransportSettings settings = new TransportSettings(Path.of(System.getProperty("java.io.tmpdir")),
            TransportSettings.DEFAULT_MAX_FRAME_BYTES, TransportSettings.DEFAULT_MAX_PENDING_WRITE_BYTES,
            WorkerLaunch.decodeOptions(args.length > 2 ? args[2] : null));
        Link link = Transports.forAddress(address).connect(address, settings);
        CountDownLatch closed = new CountDownLatch(1);
        link.start(new LinkHandler() {
            private long count;

            @Override
            public void onEnvelope(Link l, Envelope e) {
                if (echo) {
                    l.send(e);
                } else if (e.hasHeartbeat()) {
                    l.send(Envelope.newBuilder().setHeartbeat(Heartbeat.newBuilder().setSentAt(count)).build());
                    count = 0;
                } else {
                    count++;
                }
            }

            @Override
            public void onFrame(Link l, ByteBuffer body) throws MalformedFrameException {
                if (frames) {
                    l.sendFrame(body);
                } else {
                    LinkHandler.super.onFrame(l, body);
                }
            }

            @Override
            public void onClosed(Link l, Throwable cause) {
                closed.countDown();
            }
        });
        closed.await();
        System.exit(0);
    }
}
