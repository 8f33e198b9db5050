package dev.troupe.bench;

import dev.troupe.shared.Event;

/**
 * The far end of {@code lock_handoff}: {@code EventPeer PREFIX N} waits for the auto-reset event PREFIX-ping
 * and answers on PREFIX-pong, N times.
 */
public final class EventPeer {
    private EventPeer() {
    }

    public static void main(String[] args) {
        long n = Long.parseLong(args[1]);
        try (Event ping = Event.openAutoReset(args[0] + "-ping"); Event pong = Event.openAutoReset(args[0] + "-pong")) {
            for (long i = 0; i < n; i++) {
                ping.await();
                pong.set();
            }
        }
    }
}
