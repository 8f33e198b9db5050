package dev.troupe.transport.shm;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One daemon thread per JVM that bumps the heartbeat counter of every open {@link ShmLink} ten times a second.
 * A peer that sees the counter stand still knows this process is frozen (stopped, or paused far longer than a
 * garbage collection should take), even though its pid still exists.
 */
final class Heartbeats {
    static final long PERIOD_MILLIS = 100;
    private static final Set<ShmLink> LINKS = ConcurrentHashMap.newKeySet();
    private static Thread thread;

    private Heartbeats() {
    }

    static synchronized void register(ShmLink link) {
        LINKS.add(link);
        if (thread == null) {
            thread = new Thread(Heartbeats::run, "troupe-shm-heartbeat");
            thread.setDaemon(true);
            thread.start();
        }
    }

    static void unregister(ShmLink link) {
        LINKS.remove(link);
    }

    private static void run() {
        while (true) {
            for (ShmLink link : LINKS) {
                try {
                    link.beat();
                } catch (Throwable t) {
                    // keep beating for the other links; this one fails on its own
                }
            }
            try {
                Thread.sleep(PERIOD_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
