package dev.troupe.spi;

import dev.troupe.wire.FrameCodec;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * What a transport needs to know to listen or connect: where it may create files and the limits it enforces.
 *
 * @param runDirectory         an owner-only (0700) directory for socket and segment files; a transport creates
 *                             its files there owner-only (0600) and removes them on close.
 * @param maxFrameBytes        the largest frame accepted or sent; larger ones are refused.
 * @param maxPendingWriteBytes how many bytes of outbound frames a link buffers before {@link Link#send} blocks.
 * @param options              transport-specific settings, by the key of the transport's configuration section
 *                             without its prefix ({@code secret-file} for {@code troupe.tcp.secret-file}); a
 *                             transport ignores keys it does not know.
 */
public record TransportSettings(Path runDirectory, int maxFrameBytes, int maxPendingWriteBytes,
                                Map<String, String> options) {

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
        options = Map.copyOf(options);
    }

    /**
     * Settings with no transport-specific options.
     *
     * @param runDirectory         see the record.
     * @param maxFrameBytes        see the record.
     * @param maxPendingWriteBytes see the record.
     */
    public TransportSettings(Path runDirectory, int maxFrameBytes, int maxPendingWriteBytes) {
        this(runDirectory, maxFrameBytes, maxPendingWriteBytes, Map.of());
    }

    /**
     * The same settings with other options.
     *
     * @param newOptions the options.
     * @return the new settings.
     */
    public TransportSettings withOptions(Map<String, String> newOptions) {
        return new TransportSettings(runDirectory, maxFrameBytes, maxPendingWriteBytes, newOptions);
    }

    /**
     * Reads an option.
     *
     * @param key      the key, such as {@code secret-file}.
     * @param fallback returned when the option is not set or blank.
     * @return the value.
     */
    public String option(String key, String fallback) {
        String v = options.get(key);
        return v == null || v.isBlank() ? fallback : v;
    }
}
