package dev.troupe.cluster;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import org.junit.jupiter.api.Assumptions;

/** What the network-namespace tests share: making the network, or skipping with the reason. */
final class NetnsTests {
    private NetnsTests() {
    }

    /**
     * A network of {@code size} namespaces; where none can be made, skips the test with the reason (printed too),
     * or fails it when {@code -Dtroupe.test.netns=required}.
     */
    static NetnsNetwork networkOrSkip(int size) {
        String reason = NetnsNetwork.unavailableReason();
        if (reason == null) {
            try {
                return NetnsNetwork.create(size);
            } catch (IOException e) {
                reason = "cannot make network namespaces: " + e.getMessage();
            }
        }
        if ("required".equals(System.getProperty(NetnsNetwork.REQUIRED_PROPERTY))) {
            fail(reason + " (and -D" + NetnsNetwork.REQUIRED_PROPERTY + "=required)");
        }
        System.out.println("skipping a network-namespace test: " + reason);
        Assumptions.abort(reason);
        throw new AssertionError("unreachable");
    }
}
