package dev.troupe.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A network of Linux network namespaces for the partition tests: one namespace per node, each with its own address
 * ({@code 10.77.0.N/24} on its {@code eth0}) and loopback, joined by veth pairs to a bridge in a hub namespace. A node
 * is cut off by taking its bridge port down, so its packets vanish as on a broken network (no reset, no error), and
 * healed by bringing the port up. The addresses exist only inside these namespaces.
 *
 * <p>Needs root and iproute2's {@code ip} ({@link #unavailableReason()}). Names carry this JVM's pid
 * ({@code trpn<pid in base 36>_<run>-...}), so a run deletes what a killed earlier run left ({@link #deleteStale()})
 * without touching the namespaces of another run in progress. {@link #close()} and a shutdown hook delete them.
 */
final class NetnsNetwork implements AutoCloseable {
    /** Every namespace of these tests starts with this. */
    static final String PREFIX = "trpn";
    private static final String SUBNET = "10.77.0.";
    /** Set {@code -Dtroupe.test.netns=required} to fail, rather than skip, where namespaces cannot be made. */
    static final String REQUIRED_PROPERTY = "troupe.test.netns";
    private static final AtomicInteger RUNS = new AtomicInteger();
    /** The tags of this JVM's networks not yet closed. */
    private static final Set<String> LIVE = ConcurrentHashMap.newKeySet();

    private final String tag;
    private final int size;
    private final List<String> namespaces = Collections.synchronizedList(new ArrayList<>());
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread hook = new Thread(this::deleteAll, "netns-cleanup");

    private NetnsNetwork(int size) {
        this.tag = PREFIX + Long.toString(ProcessHandle.current().pid(), 36) + "_" + RUNS.incrementAndGet();
        this.size = size;
    }

    /**
     * Why namespaces cannot be made here, or {@code null} when they can be tried.
     *
     * @return the reason, for a skipped test's message.
     */
    static String unavailableReason() {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            return "network namespaces are Linux only (this is " + System.getProperty("os.name") + ")";
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                // Uid: real effective saved fs
                if (line.startsWith("Uid:") && !line.split("\\s+")[2].equals("0")) {
                    return "making network namespaces needs root (effective uid " + line.split("\\s+")[2] + ")";
                }
            }
        } catch (IOException e) {
            return "cannot read /proc/self/status: " + e;
        }
        try {
            run(List.of("ip", "-V"));
        } catch (IOException e) {
            return "iproute2's ip command is not usable: " + e.getMessage();
        }
        return null;
    }

    /**
     * Makes a network of {@code size} nodes, first deleting what killed earlier runs left.
     *
     * @throws IOException naming the {@code ip} command that failed; what was made is deleted again.
     */
    static NetnsNetwork create(int size) throws IOException {
        deleteStale();
        NetnsNetwork net = new NetnsNetwork(size);
        LIVE.add(net.tag);
        Runtime.getRuntime().addShutdownHook(net.hook);
        try {
            String hub = net.hub();
            net.add(hub);
            ip("-n", hub, "link", "add", "br0", "type", "bridge");
            ip("-n", hub, "link", "set", "br0", "up");
            for (int i = 1; i <= size; i++) {
                String ns = net.namespace(i);
                net.add(ns);
                ip("link", "add", "eth0", "netns", ns, "type", "veth", "peer", "name", net.port(i), "netns", hub);
                ip("-n", ns, "addr", "add", SUBNET + i + "/24", "dev", "eth0");
                ip("-n", ns, "link", "set", "eth0", "up");
                ip("-n", hub, "link", "set", net.port(i), "master", "br0");
                ip("-n", hub, "link", "set", net.port(i), "up");
            }
        } catch (IOException | RuntimeException e) {
            net.close();
            throw e;
        }
        return net;
    }

    private void add(String ns) throws IOException {
        ip("netns", "add", ns);
        namespaces.add(ns);
        ip("-n", ns, "link", "set", "lo", "up");
    }

    /** The hub namespace, which holds the bridge. */
    private String hub() {
        return tag + "-hub";
    }

    /**
     * @param node 1 to size.
     * @return that node's namespace.
     */
    String namespace(int node) {
        check(node);
        return tag + "-n" + node;
    }

    /** The bridge's port for {@code node}, in the hub (an interface name: at most 15 characters). */
    private String port(int node) {
        return "tp" + tag.substring(PREFIX.length()) + "b" + node;
    }

    /**
     * @param node 1 to size.
     * @return that node's address, such as {@code 10.77.0.1}.
     */
    String host(int node) {
        check(node);
        return SUBNET + node;
    }

    /**
     * @param node 1 to size.
     * @return the command prefix that runs a program in that node's namespace.
     */
    List<String> exec(int node) {
        return List.of("ip", "netns", "exec", namespace(node));
    }

    /** Cuts {@code node} off from every other node: its bridge port goes down, and its packets are dropped. */
    void cut(int node) throws IOException {
        ip("-n", hub(), "link", "set", port(node), "down");
    }

    /** Joins {@code node} to the others again. */
    void heal(int node) throws IOException {
        ip("-n", hub(), "link", "set", port(node), "up");
    }

    /**
     * Whether {@code from} reaches {@code to}: a TCP connection attempt from {@code from}'s namespace to a port
     * where nothing listens is refused by a reachable peer and goes unanswered by a cut-off one.
     *
     * @param wait how long to wait for the answer, in seconds.
     */
    boolean reaches(int from, int to, int wait) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(exec(from));
        // Port 9 (discard): nothing listens there in a fresh namespace.
        cmd.addAll(List.of("timeout", Integer.toString(wait), "bash", "-c", "exec 3<>/dev/tcp/" + host(to) + "/9"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(wait + 10L, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("the probe " + cmd + " did not end");
        }
        return out.contains("refused");
    }

    private void check(int node) {
        if (node < 1 || node > size) {
            throw new IllegalArgumentException("node " + node + " is not in 1.." + size);
        }
    }

    /** Deletes the namespaces (with their links and bridge). Idempotent. Kill the processes in them first. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            deleteAll();
            LIVE.remove(tag);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // the JVM is shutting down: the hook runs anyway
            }
        }
    }

    private void deleteAll() {
        List<String> all;
        synchronized (namespaces) {
            all = new ArrayList<>(namespaces);
            namespaces.clear();
        }
        // Nodes first: deleting a namespace deletes its end of a veth pair, and so the hub's end too.
        Collections.reverse(all);
        for (String ns : all) {
            delete(ns);
        }
    }

    /**
     * The namespaces of these tests that no live network owns, as {@code ip netns list} shows them: their JVM is
     * gone, or is this one (a reused pid) and has no network of that name.
     */
    static List<String> stale() throws IOException {
        List<String> out = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        for (String line : run(List.of("ip", "netns", "list")).split("\n")) {
            String name = line.trim().split("\\s+")[0];
            int sep = name.indexOf('_');
            int dash = name.indexOf('-');
            if (!name.startsWith(PREFIX) || sep < 0 || dash < sep) {
                continue;
            }
            long pid;
            try {
                pid = Long.parseLong(name.substring(PREFIX.length(), sep), 36);
            } catch (NumberFormatException e) {
                // not one of ours after all: leave it alone
                continue;
            }
            boolean owned = pid == self ? LIVE.contains(name.substring(0, dash))
                : ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
            if (!owned) {
                out.add(name);
            }
        }
        return out;
    }

    /** Deletes the namespaces that runs in JVMs now gone left behind. */
    static void deleteStale() throws IOException {
        List<String> stale = stale();
        // Node namespaces before hubs, as in close().
        stale.sort(Collections.reverseOrder());
        for (String ns : stale) {
            System.err.println("deleting the network namespace " + ns + " that an earlier run left");
            delete(ns);
        }
    }

    private static void delete(String ns) {
        try {
            ip("netns", "delete", ns);
        } catch (IOException e) {
            System.err.println("could not delete the network namespace " + ns + ": " + e.getMessage());
        }
    }

    private static void ip(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add("ip");
        cmd.addAll(List.of(args));
        run(cmd);
    }

    /** Runs a command; returns its output, or throws naming it with its output when it fails. */
    private static String run(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " did not end within 30 s");
            }
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "): " + out.trim());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted while running " + String.join(" ", cmd), e);
        }
    }
}
