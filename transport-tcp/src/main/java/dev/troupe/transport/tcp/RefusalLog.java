package dev.troupe.transport.tcp;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line per refused connection, but no flood: past {@link #LINES_PER_SECOND} refusals in a second the rest
 * of that second is counted and reported in one summary line, so a burst of bad connections cannot fill the log.
 */
final class RefusalLog {
    private static final Logger LOG = LoggerFactory.getLogger("dev.troupe.transport.tcp");
    static final int LINES_PER_SECOND = 20;

    private final String where;
    private long windowStart;
    private int inWindow;
    private int suppressed;
    private String lastReason;

    RefusalLog(String where) {
        this.where = where;
    }

    synchronized void refused(String connection, String reason) {
        long now = System.nanoTime();
        if (now - windowStart > 1_000_000_000L) {
            flushSuppressed();
            windowStart = now;
            inWindow = 0;
        }
        if (++inWindow <= LINES_PER_SECOND) {
            LOG.warn("{}: refused connection {}: {}", where, connection, reason);
        } else {
            suppressed++;
            lastReason = reason;
        }
    }

    /** Reports what was held back; also called when the server closes. */
    synchronized void flushSuppressed() {
        if (suppressed > 0) {
            LOG.warn("{}: refused {} more connections within a second (the last: {})", where, suppressed, lastReason);
            suppressed = 0;
        }
    }
}
