package dev.troupe.bench;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * A Hazelcast member in a JVM of its own, the peer of {@link ClusterBench}: {@code HazelcastPeer PORT MEMBER_PORT...}
 * starts a member on {@code 127.0.0.1:PORT} that joins the members on the given loopback ports (TCP-IP join;
 * multicast and auto-detection off), prints one JSON line {@code {"event": "up", ...}} once it is a member, runs
 * the tasks it is sent on its executors ({@code one}: 1 thread, {@code two}: 2 threads), and leaves the cluster
 * gracefully when its standard input ends.
 */
public final class HazelcastPeer {
    /** The cluster's name; members of another name do not join. */
    static final String CLUSTER = "troupe-bench";
    static final String HOST = "127.0.0.1";

    private HazelcastPeer() {
    }

    /**
     * The configuration of every member of the benchmark's cluster, Hazelcast's defaults otherwise.
     *
     * @param port    this member's port.
     * @param members the ports of the members to join, this one's included.
     */
    static Config config(int port, List<Integer> members) {
        Config c = new Config();
        c.setClusterName(CLUSTER);
        // No calls home from a benchmark; logs through SLF4J to standard error, as the rest of the benchmarks.
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.logging.type", "slf4j");
        c.setProperty("hazelcast.socket.bind.any", "false");
        NetworkConfig network = c.getNetworkConfig();
        network.setPort(port).setPortAutoIncrement(false);
        network.getInterfaces().setEnabled(true).addInterface(HOST);
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        List<String> addresses = new ArrayList<>();
        members.forEach(p -> addresses.add(HOST + ":" + p));
        join.getTcpIpConfig().setEnabled(true).setMembers(addresses);
        c.getExecutorConfig("one").setPoolSize(1);
        c.getExecutorConfig("two").setPoolSize(2);
        return c;
    }

    /**
     * Runs a member until standard input ends.
     *
     * @param args this member's port, then the ports of the members to join.
     * @throws Exception when the member cannot start.
     */
    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        int port = Integer.parseInt(args[0]);
        List<Integer> members = new ArrayList<>();
        for (String a : args) {
            members.add(Integer.parseInt(a));
        }
        long t0 = System.nanoTime();
        HazelcastInstance hz = Hazelcast.newHazelcastInstance(config(port, members));
        long up = System.nanoTime();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("event", "up");
        m.put("pid", ProcessHandle.current().pid());
        m.put("members", hz.getCluster().getMembers().size());
        m.put("start_ms", (up - t0) / 1e6);
        out.println(Json.line(m));
        while (System.in.read() >= 0) {
            // The benchmark writes nothing; it closes the stream when done.
        }
        hz.shutdown();
        System.exit(0);
    }

    /** Squares a chunk of ints: the peer's task of {@code cluster_map_small}. */
    public static final class SquareChunk implements Callable<int[]>, DataSerializable {
        private int[] xs;

        /** For Hazelcast's deserialization. */
        public SquareChunk() {
        }

        SquareChunk(int[] xs) {
            this.xs = xs;
        }

        @Override
        public int[] call() {
            int[] out = new int[xs.length];
            for (int i = 0; i < xs.length; i++) {
                out[i] = xs[i] * xs[i];
            }
            return out;
        }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            out.writeIntArray(xs);
        }

        @Override
        public void readData(ObjectDataInput in) throws IOException {
            xs = in.readIntArray();
        }
    }

    /** Sleeps, then returns its input: the peer's task of {@code node_loss_recovery}. */
    public static final class SleepTask implements Callable<Integer>, DataSerializable {
        private int x;
        private int sleepMs;

        /** For Hazelcast's deserialization. */
        public SleepTask() {
        }

        SleepTask(int x, int sleepMs) {
            this.x = x;
            this.sleepMs = sleepMs;
        }

        @Override
        public Integer call() throws InterruptedException {
            Thread.sleep(sleepMs);
            return x;
        }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            out.writeInt(x);
            out.writeInt(sleepMs);
        }

        @Override
        public void readData(ObjectDataInput in) throws IOException {
            x = in.readInt();
            sleepMs = in.readInt();
        }
    }

    /** Returns its bytes: the peer's task of {@code cluster_task_roundtrip}. */
    public static final class Echo implements Callable<byte[]>, DataSerializable {
        private byte[] bytes;

        /** For Hazelcast's deserialization. */
        public Echo() {
        }

        Echo(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public byte[] call() {
            return bytes;
        }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            out.writeByteArray(bytes);
        }

        @Override
        public void readData(ObjectDataInput in) throws IOException {
            bytes = in.readByteArray();
        }
    }
}
