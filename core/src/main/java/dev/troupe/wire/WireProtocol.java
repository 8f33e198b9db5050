package dev.troupe.wire;

/**
 * The version of the wire protocol this build speaks. Peers exchange it in {@code Hello} and {@code Welcome} (and
 * the TCP transport in its authentication handshake) and refuse a peer with another version, so a node and a worker
 * of incompatible builds fail at once with a message naming both versions.
 */
public final class WireProtocol {

    /**
     * The protocol version. It changes whenever a message's meaning changes in a way an older peer would misread;
     * adding an optional field that older peers may ignore does not change it.
     */
    public static final int VERSION = 2;

    private WireProtocol() {
    }
}
