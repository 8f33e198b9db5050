package dev.troupe.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The {@code cluster} benchmark group runs end to end with tiny sizes: Troupe nodes and Hazelcast members in JVMs of
 * their own, a node killed mid-map, and nothing left running afterwards. Speed is not checked.
 */
class ClusterBenchTest {
    private static final ClusterBench.Sizes TINY = new ClusterBench.Sizes(2_000, 1, 1, 50, 200, 150, 4, false);

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void theClusterGroupPrintsEveryFigureAndLeavesNoProcessBehind() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            ClusterBench.run(1, TINY, out);
        }
        List<String> lines = buf.toString(StandardCharsets.UTF_8).lines().toList();

        assertThat(lines).allMatch(l -> l.startsWith("{\"bench\": ") && l.endsWith("}"));
        for (int nodes = 1; nodes <= 3; nodes++) {
            String tag = "\"nodes\": " + nodes + ",";
            assertThat(lines).filteredOn(l -> l.contains("\"cluster_map_small\"") && l.contains(tag)).singleElement()
                .satisfies(l -> assertThat(l).containsPattern("\"troupe\": [0-9]")
                    .containsPattern("\"peer_value\": [0-9]").containsPattern("\"ratio_troupe_over_peer\": [0-9]"));
        }
        assertThat(lines).filteredOn(l -> l.contains("\"cluster_map_small\"") && l.contains("\"nodes\": 3,"))
            .singleElement().satisfies(l -> assertThat(l).contains("\"troupe_workers\": \"node2:1 node3:1\""));
        assertThat(lines).filteredOn(l -> l.contains("\"cluster_task_roundtrip\"")).singleElement()
            .satisfies(l -> assertThat(l).containsPattern("\"troupe_p50\": [0-9]")
                .containsPattern("\"troupe_local_worker_p50\": [0-9]")
                .containsPattern("\"troupe_remote_worker_p50\": [0-9]")
                .containsPattern("\"hazelcast_p50\": [0-9]").containsPattern("\"artery_p50\": [0-9]"));
        assertThat(lines).filteredOn(l -> l.contains("\"cluster_join_time\"")).singleElement()
            .satisfies(l -> assertThat(l).containsPattern("\"troupe_from_process_start\": [0-9]")
                .containsPattern("\"troupe_from_cluster_start\": [0-9]")
                .containsPattern("\"hazelcast_from_process_start\": [0-9]"));
        assertThat(lines).filteredOn(l -> l.contains("\"node_loss_recovery\"")).singleElement()
            .satisfies(l -> assertThat(l).containsPattern("\"kill_to_first_rerun_result\": ([0-9]|null)")
                .containsPattern("\"kill_to_map_end\": [0-9]").containsPattern("\"reruns_of_started_tasks\": [0-9]")
                .containsPattern("\"map_ms_with_loss\": [0-9]")
                .containsPattern("\"hazelcast_kill_to_map_end\": [0-9]"));

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (ProcessHandle.current().descendants().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
            .map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList())
            .as("processes left running").isEmpty();
    }
}
