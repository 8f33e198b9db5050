package dev.troupe.spi;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What a transport needs to know to listen or connect: where it may create files and the limits it enforces.
 *
 * @param runDirectory         an owner-only (0700) directory for socket and segment files; a transport creates
 *                             its files there owner-only (0600) and removes them on close.
 * @param maxFrameBytes        the largest frame accepted or sent; larger ones are refused.
 * @param maxPendingWriteBytes how many bytes of outbound frames a link buffers before {@link Link#send} blocks.
 */
public record TransportSettings(Path runDirectory, int maxFrameBytes, int maxPendingWriteBytes) {

    /** The frame size limit when none is configured: 128 MiB. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 128 * 1024 * 1024;

    /** The outbound buffer bound when none is configured: 4 MiB. */
    public static final int DEFAULT_MAX_PENDING_WRITE_BYTES = 4 * 1024 * 1024;

    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException when a limit is not positive.
     */
    public TransportSettings {
        Objects.requireNonNull(runDirectory, "runDirectory");
        if (maxFrameBytes <= FrameCodec.HEADER_BYTES) {
            throw new IllegalArgumentException("maxFrameBytes must be larger than " + FrameCodec.HEADER_BYTES
                + ": " + maxFrameBytes);
        }
        if (maxPendingWriteBytes <= 0) {
            throw new IllegalArgumentException("maxPendingWriteBytes must be positive: " + maxPendingWriteBytes);
        }
    }
}
