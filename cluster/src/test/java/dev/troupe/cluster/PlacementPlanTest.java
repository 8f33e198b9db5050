package dev.troupe.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.troupe.NodeInfo;
import dev.troupe.Placement;
import dev.troupe.spi.WorkerLending.PlacementRequest;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Where a pool's workers go, given the members: {@link ClusterLending#plan}.
 */
class PlacementPlanTest {
    private static final String SELF = "a:1#1";
    private static final NodeInfo A = node(SELF, 2);
    private static final NodeInfo B = node("b:1#2", 2);
    private static final NodeInfo C = node("c:1#3", 1);

    private static NodeInfo node(String id, int workers) {
        return new NodeInfo(id, id.substring(0, id.indexOf('#')), NodeInfo.Status.UP, Set.of(), workers);
    }

    private static PlacementRequest request(Placement placement, int perNode) {
        return new PlacementRequest("p", placement, Set.of(), perNode, Set.of());
    }

    @Test
    void spreadTakesTurnsStartingHere() {
        assertThat(ClusterLending.plan(List.of(C, B, A), SELF, request(Placement.SPREAD, 0), 3, Map.of()))
            .containsExactly(SELF, "b:1#2", "c:1#3");
    }

    @Test
    void spreadRespectsLendingCapacityAndTheRestStayHere() {
        // c lends 1 and b 2: the sixth worker has nowhere else to go.
        assertThat(ClusterLending.plan(List.of(A, B, C), SELF, request(Placement.SPREAD, 0), 6, Map.of()))
            .containsExactly(SELF, "b:1#2", "c:1#3", SELF, "b:1#2", SELF);
    }

    @Test
    void spreadCountsTheWorkersThePoolAlreadyHas() {
        assertThat(ClusterLending.plan(List.of(A, B, C), SELF, request(Placement.SPREAD, 0), 1,
            Map.of(SELF, 1, "b:1#2", 1))).containsExactly("c:1#3");
    }

    @Test
    void packFillsHereUpToPerNodeThenTheOthers() {
        assertThat(ClusterLending.plan(List.of(A, B, C), SELF, request(Placement.PACK, 2), 5, Map.of()))
            .containsExactly(SELF, SELF, "b:1#2", "b:1#2", "c:1#3");
    }

    @Test
    void withNoCandidateEveryWorkerStartsHere() {
        assertThat(ClusterLending.plan(List.of(), SELF, request(Placement.SPREAD, 0), 2, Map.of()))
            .containsExactly(SELF, SELF);
    }

    @Test
    void aLendRequestLargerThanTheClusterMessageLimitIsRefusedWithTheSizes() {
        dev.troupe.spi.WorkerLending.LendRequest small = new dev.troupe.spi.WorkerLending.LendRequest("p", "w-1",
            new byte[32], "tcp://127.0.0.1:1", List.of("-Xmx64m"));
        assertThat(ClusterLending.tooLarge(small, 262_144)).isNull();
        dev.troupe.spi.WorkerLending.LendRequest huge = new dev.troupe.spi.WorkerLending.LendRequest("p", "w-1",
            new byte[32], "tcp://127.0.0.1:1", List.of("-Dx=" + "y".repeat(300_000)));
        assertThat(ClusterLending.tooLarge(huge, 262_144)).contains("262144 bytes")
            .contains("maximum-frame-size");
    }
}
