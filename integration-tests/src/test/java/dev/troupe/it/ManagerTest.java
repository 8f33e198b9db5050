package dev.troupe.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.troupe.ManagedList;
import dev.troupe.ManagedMap;
import dev.troupe.ManagedNamespace;
import dev.troupe.Manager;
import dev.troupe.Pool;
import dev.troupe.PoolOptions;
import dev.troupe.Task;
import dev.troupe.Troupe;
import dev.troupe.TroupeException;
import dev.troupe.WorkerProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The node's managed maps and lists, used by real worker processes at once. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ManagerTest {
    private Troupe troupe;

    @AfterEach
    void stop() {
        if (troupe != null) {
            troupe.close();
        }
        assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive).count()).isZero();
    }

    @ParameterizedTest
    @MethodSource("dev.troupe.it.Transports#names")
    void shouldCountEveryMergeFromFourProcesses(String transport) {
        troupe = Transports.start(transport);
        ManagedMap<String, Integer> counts = troupe.manager().map("counts");
        ManagedList<Long> pids = troupe.manager().list("pids");
        Task<Integer, Integer> count = n -> {
            pids.append(ProcessHandle.current().pid());
            for (int i = 0; i < n; i++) {
                counts.merge("total", 1, Integer::sum);
                counts.merge("key-" + (i % 4), 1, Integer::sum);
            }
            return counts.get("total");
        };
        // The 4 x 10,000 on shm; the other links carry the same calls, fewer of them, to keep the suite fast.
        int each = transport.equals("shm") ? 10_000 : 2_000;
        try (Pool pool = troupe.pool(PoolOptions.workers(4).chunkSize(1))) {
            List<Integer> seen = pool.map(count, List.of(each, each, each, each));
            assertThat(seen).allSatisfy(total -> assertThat(total).isBetween(each, 4 * each));
        }
        assertThat(counts.get("total")).isEqualTo(4 * each);
        assertThat(counts.snapshot()).containsEntry("key-0", each).containsEntry("key-3", each).hasSize(5);
        // Four different processes did the counting, none of them this one.
        assertThat(pids.snapshot()).hasSize(4).doesNotContain(ProcessHandle.current().pid())
            .doesNotHaveDuplicates();
    }

    @Test
    void shouldOfferMapAndListOperationsWithClearErrors() {
        troupe = Transports.start("shm");
        Manager manager = troupe.manager();
        ManagedMap<String, List<Integer>> map = manager.map("lists");
        assertThat(map.put("a", List.of(1, 2))).isNull();
        assertThat(map.put("a", List.of(3))).containsExactly(1, 2);
        assertThat(map.putIfAbsent("a", List.of(9))).containsExactly(3);
        assertThat(map.putIfAbsent("b", List.of(4))).isNull();
        assertThat(map.replace("b", List.of(5), List.of(6))).isFalse();
        assertThat(map.replace("b", List.of(4), List.of(6))).isTrue();
        assertThat(map.compute("b", (k, v) -> null)).isNull();
        assertThat(map.containsKey("b")).isFalse();
        assertThat(map.computeIfAbsent("c", k -> List.of(k.length()))).containsExactly(1);
        assertThat(map.keys()).containsExactly("a", "c");
        assertThat(map.remove("a")).containsExactly(3);
        assertThat(map.size()).isEqualTo(1);
        map.clear();
        assertThat(map.isEmpty()).isTrue();
        assertThatThrownBy(() -> map.put(null, List.of())).isInstanceOf(NullPointerException.class)
            .hasMessageContaining("a key of map 'lists'");

        ManagedList<String> list = manager.list("lists"); // lists and maps have separate names
        assertThat(list.append("x")).isEqualTo(1);
        assertThat(list.append("y")).isEqualTo(2);
        assertThat(list.set(0, "z")).isEqualTo("x");
        assertThat(list.snapshot()).containsExactly("z", "y");
        assertThatThrownBy(() -> list.get(5)).isInstanceOf(TroupeException.class)
            .hasMessageContaining("index 5 is out of range for lists of size 2");
        assertThat(list.remove(0)).isEqualTo("z");
        assertThat(list.size()).isEqualTo(1);
        assertThatThrownBy(() -> manager.map("")).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("1 to 255 characters");
    }

    @Test
    void shouldShareANamespaceBetweenProcesses() {
        troupe = Transports.start("shm");
        ManagedNamespace ns = troupe.manager().namespace("run");
        ns.set("label", "first");
        assertThat(troupe.manager().map("run").isEmpty()).isTrue(); // its own names, apart from maps'
        Task<Integer, String> work = n -> {
            for (int i = 0; i < n; i++) {
                ns.update("hits", Integer.class, v -> v == null ? 1 : v + 1);
            }
            ns.set("by-" + ProcessHandle.current().pid(), n);
            return ns.get("label", String.class);
        };
        try (Pool pool = troupe.pool(PoolOptions.workers(2).chunkSize(1))) {
            assertThat(pool.map(work, List.of(500, 500))).containsExactly("first", "first");
        }
        assertThat(ns.get("hits", Integer.class)).isEqualTo(1000);
        Map<String, Object> all = ns.snapshot();
        assertThat(all).containsEntry("label", "first").containsEntry("hits", 1000).hasSize(4);
        assertThat(all.keySet()).filteredOn(k -> k.startsWith("by-")).hasSize(2)
            .noneMatch(k -> k.equals("by-" + ProcessHandle.current().pid()));
        assertThatThrownBy(() -> ns.get("label", Integer.class)).isInstanceOf(ClassCastException.class)
            .hasMessageContaining("attribute 'label' of namespace 'run' holds a java.lang.String, not a")
            .hasMessageEndingWith("java.lang.Integer");
        assertThat(ns.delete("label")).isTrue();
        assertThat(ns.has("label")).isFalse();
        assertThat(ns.delete("label")).isFalse();
        assertThatThrownBy(() -> ns.set("x", null)).isInstanceOf(NullPointerException.class)
            .hasMessageContaining("namespace 'run'");
    }

    @Test
    void shouldRefuseWhatWouldPassTheLimitAndKeepServing() {
        troupe = Transports.start("shm", Map.of("troupe.manager.max-bytes", "1MiB"));
        ManagedMap<String, byte[]> blobs = troupe.manager().map("blobs");
        blobs.put("small", new byte[1000]);
        try (Pool pool = troupe.pool(PoolOptions.workers(1))) {
            Task<Integer, String> tooMuch = n -> {
                try {
                    blobs.put("big", new byte[n]);
                    return "stored";
                } catch (TroupeException e) {
                    return e.getMessage();
                }
            };
            assertThat(pool.submit(tooMuch, 2 << 20).join())
                .contains("over the limit of 1048576 (troupe.manager.max-bytes)");
        }
        assertThat(blobs.keys()).containsExactly("small");
        assertThat(blobs.get("small")).hasSize(1000);
    }

    @Test
    void shouldAnswerAWorkerWithAnErrorWhenTheAnswerWouldNotFitInAFrame() {
        troupe = Transports.start("shm", Map.of("troupe.max-frame-size", "1MiB"));
        ManagedMap<String, byte[]> blobs = troupe.manager().map("big");
        for (int i = 0; i < 3; i++) {
            blobs.put("part-" + i, new byte[600 * 1024]);
        }
        try (Pool pool = troupe.pool(PoolOptions.workers(1))) {
            Task<String, String> snapshot = key -> {
                String first;
                try {
                    first = "read " + blobs.snapshot().size();
                } catch (TroupeException e) {
                    first = e.getMessage();
                }
                return first + " | then " + blobs.get(key).length;
            };
            assertThat(pool.submit(snapshot, "part-1").join())
                .contains("over the maximum frame size of 1048576 bytes (troupe.max-frame-size)")
                .endsWith(" | then " + 600 * 1024);
        }
        assertThat(blobs.size()).isEqualTo(3);
    }

    @Test
    void shouldKeepWholeValuesWhenAWriterIsKilledMidWrite() throws Exception {
        troupe = Transports.start("shm");
        ManagedMap<String, byte[]> map = troupe.manager().map("whole");
        ManagedList<Long> started = troupe.manager().list("started");
        Task<Integer, Integer> writeForever = size -> {
            started.append(ProcessHandle.current().pid());
            for (int i = 0; ; i++) {
                byte[] value = new byte[size];
                Arrays.fill(value, (byte) i);
                map.put("v", value);
            }
        };
        WorkerProcess<Integer> writer = troupe.spawn(writeForever, 512 * 1024);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (started.size() == 0 || map.get("v") == null) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(10);
        }
        Thread.sleep(200);
        ProcessHandle.of(writer.pid()).orElseThrow().destroyForcibly();
        assertThat(writer.join(Duration.ofSeconds(30))).isTrue();
        byte[] last = map.get("v");
        assertThat(last).hasSize(512 * 1024);
        List<Byte> distinct = new ArrayList<>();
        for (byte b : last) {
            if (!distinct.contains(b)) {
                distinct.add(b);
            }
        }
        assertThat(distinct).hasSize(1);
        // The node serves the map as before.
        map.put("after", new byte[] {1});
        assertThat(map.keys()).containsExactly("v", "after");
    }
}
