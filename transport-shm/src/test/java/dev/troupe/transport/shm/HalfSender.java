package dev.troupe.transport.shm;

import dev.troupe.spi.TransportSettings;
import java.nio.file.Path;

/**
 * A peer for {@link ShmPeerDeathTest}, run in its own JVM: connects, never starts reading, writes the first
 * fragment of a message it never finishes, says so on stdout, and waits to be killed.
 */
public final class HalfSender {
    private HalfSender() {
    }

    public static void main(String[] args) throws Exception {
        TransportSettings settings = new TransportSettings(Path.of(args[1]), 128 * 1024 * 1024, 1024 * 1024);
        ShmLink link = (ShmLink) new ShmTransportProvider().connect(args[0], settings);
        ShmRing tx = link.txRing();
        int index = tx.tryClaim(ShmLink.FIRST, tx.maxMsgLength());
        tx.buffer().putInt(index, 10 * tx.maxMsgLength());
        tx.commit(index);
        System.out.println("sent-first");
        System.out.flush();
        Thread.sleep(120_000);
    }
}
