package dev.troupe.transport.tcp;

import dev.troupe.wire.WireProtocol;
import dev.troupe.spi.AuthenticationException;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The layout of the authentication frames both sides exchange before any envelope, and the proofs they carry.
 * Each is the body of an ordinary length-prefixed frame:
 *
 * <pre>
 *   0  magic    4 bytes  'T' 'R' 'P' 'A'
 *   4  version  uint16   the wire protocol version (WireProtocol.VERSION)
 *   6  type     1 byte   CHALLENGE | RESPONSE | ACCEPT | REFUSE
 *   7  body:
 *      CHALLENGE  (node to worker)  server nonce, 32 bytes
 *      RESPONSE   (worker to node)  client nonce, 32 bytes;
 *                                   HMAC-SHA256(secret, "troupe-client" | server nonce | client nonce)
 *      ACCEPT     (node to worker)  HMAC-SHA256(secret, "troupe-server" | client nonce | server nonce)
 *      REFUSE     (either way)      the reason, UTF-8
 * </pre>
 *
 * Each proof covers a nonce the other side just chose, so a recorded handshake is worthless on a new connection,
 * and the two proofs differ in label and order, so one side's proof cannot be reflected back as the other's.
 */
final class AuthDescriptor {
    static final int MAGIC = 0x54525041; // "TRPA"
    static final int HEADER_BYTES = 7;
    static final byte CHALLENGE = 1;
    static final byte RESPONSE = 2;
    static final byte ACCEPT = 3;
    static final byte REFUSE = 4;
    static final int NONCE_BYTES = 32;
    static final int MAC_BYTES = 32;
    /** The largest frame accepted before authentication: a refusal reason of modest length. */
    static final int MAX_AUTH_FRAME_BYTES = 1024;
    private static final byte[] CLIENT_LABEL = "troupe-client".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SERVER_LABEL = "troupe-server".getBytes(StandardCharsets.US_ASCII);

    private AuthDescriptor() {
    }

    static void writeHeader(ByteBuf out, int bodyBytes, byte type) {
        out.writeInt(HEADER_BYTES + bodyBytes);
        out.writeInt(MAGIC);
        out.writeShort(WireProtocol.VERSION);
        out.writeByte(type);
    }

    /**
     * Checks a received frame's header and returns its type, or throws with what was wrong.
     *
     * @param frame the frame body, reader index at its start; advanced past the header.
     */
    static byte readHeader(ByteBuf frame, String expecting) throws AuthenticationException {
        int length = frame.readableBytes();
        if (length < HEADER_BYTES || frame.getInt(frame.readerIndex()) != MAGIC) {
            throw new AuthenticationException("expected " + expecting + ", got a frame of " + length
                + " bytes that is not an authentication frame (was it sent before authenticating?)");
        }
        frame.skipBytes(4);
        int version = frame.readUnsignedShort();
        byte type = frame.readByte();
        if (version != WireProtocol.VERSION) {
            throw new AuthenticationException("peer speaks protocol version " + version + ", this side speaks "
                + WireProtocol.VERSION);
        }
        return type;
    }

    static byte[] clientProof(byte[] secret, byte[] serverNonce, byte[] clientNonce) {
        return mac(secret, CLIENT_LABEL, serverNonce, clientNonce);
    }

    static byte[] serverProof(byte[] secret, byte[] serverNonce, byte[] clientNonce) {
        return mac(secret, SERVER_LABEL, clientNonce, serverNonce);
    }

    private static byte[] mac(byte[] secret, byte[] label, byte[] first, byte[] second) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(label);
            mac.update(first);
            mac.update(second);
            return mac.doFinal();
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }
}
