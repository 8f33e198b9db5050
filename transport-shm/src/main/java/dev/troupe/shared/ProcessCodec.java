package dev.troupe.shared;

import com.typesafe.config.Config;
import dev.troupe.TroupeException;
import dev.troupe.internal.codec.JavaSerialization;
import dev.troupe.internal.codec.PayloadCodec;
import dev.troupe.spi.support.ProcessConfig;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * What the message-carrying objects (queues, topics, connections) share: the task codec with this process's
 * serialization settings ({@code troupe.serialization}, read once from {@link ProcessConfig}), and the check that a
 * named segment is this user's and owner-only.
 */
final class ProcessCodec {
    private static volatile PayloadCodec codec;

    private ProcessCodec() {
    }

    /**
     * @return the codec, made on first use.
     */
    static PayloadCodec get() {
        PayloadCodec c = codec;
        if (c == null) {
            Config config = ProcessConfig.get();
            String filter = config.hasPath("troupe.serialization.filter")
                ? config.getString("troupe.serialization.filter") : "";
            boolean javaValues = !config.hasPath("troupe.serialization.java-values")
                || config.getBoolean("troupe.serialization.java-values");
            c = new PayloadCodec(new JavaSerialization(filter.isBlank() ? JavaSerialization.DEFAULT_FILTER : filter,
                javaValues));
            codec = c;
        }
        return c;
    }

    /**
     * Refuses a segment file that another user owns or others may read, even where its directory's check passed.
     *
     * @param segment the segment.
     * @param what    names it in the message, such as {@code "topic 'prices'"}.
     * @throws TroupeException when it is not this user's, or not {@code rw-------}.
     */
    static void checkOwner(NamedSegment segment, String what) {
        if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return;
        }
        try {
            String owner = Files.getOwner(segment.path).getName();
            String perms = PosixFilePermissions.toString(Files.getPosixFilePermissions(segment.path));
            if (!owner.equals(System.getProperty("user.name")) || !perms.equals("rw-------")) {
                throw new TroupeException("refusing to open " + what + " at " + segment.path + ": it belongs to "
                    + owner + " with permissions " + perms + "; it must be this user's and rw-------");
            }
        } catch (IOException e) {
            throw new TroupeException("cannot check the owner of " + what + " at " + segment.path + ": " + e, e);
        }
    }
}
