package dev.troupe.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Starts cluster nodes as JVMs of their own ({@link ClusterTestNode}, this JVM's class path), talks to them over
 * stdin/stdout, and kills every one of them, descendants included, on {@link #close()}.
 */
final class ClusterHarness implements AutoCloseable {
    static final String HOST = "127.0.0.1";
    static final Duration START = Duration.ofSeconds(60);
    static final Duration CONVERGE = Duration.ofSeconds(60);
    private static final Pattern MEMBER = Pattern.compile(
        "\\{\"id\":\"([^\"]*)\",\"address\":\"([^\"]*)\",\"status\":\"([A-Z_]+)\"");

    private final Path logDir;
    private final List<NodeProcess> nodes = new CopyOnWriteArrayList<>();

    ClusterHarness(Path logDir) {
        this.logDir = logDir;
    }

    /** A port free right now on the loopback interface. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return s.getLocalPort();
        }
    }

    /**
     * Starts a node JVM on loopback.
     *
     * @param name   for logs.
     * @param port   its Artery port.
     * @param secret its cluster secret, passed in the environment.
     * @param seeds  the seed ports.
     */
    NodeProcess start(String name, int port, String secret, int... seeds) throws IOException {
        List<String> seedAddresses = new ArrayList<>();
        for (int seed : seeds) {
            seedAddresses.add(HOST + ":" + seed);
        }
        return start(name, List.of(), HOST + ":" + port, secret, seedAddresses, List.of());
    }

    /**
     * Starts a node JVM on loopback with more {@link ClusterTestNode} options.
     *
     * @param options such as {@code --workers 1}.
     */
    NodeProcess start(String name, int port, String secret, List<String> options, int... seeds) throws IOException {
        List<String> seedAddresses = new ArrayList<>();
        for (int seed : seeds) {
            seedAddresses.add(HOST + ":" + seed);
        }
        return start(name, List.of(), HOST + ":" + port, secret, seedAddresses, options);
    }

    /**
     * Starts a seed, then two nodes joining it, and waits until every node lists the same three members Up.
     *
     * @param options more {@link ClusterTestNode} options for every node.
     */
    List<NodeProcess> formThree(String secret, List<String> options) throws Exception {
        int p1 = freePort();
        NodeProcess n1 = start("node1", p1, secret, options, p1);
        n1.awaitEvent("started", START);
        int p2 = freePort();
        int p3 = freePort();
        NodeProcess n2 = start("node2", p2, secret, options, p1);
        NodeProcess n3 = start("node3", p3, secret, options, p1);
        n2.awaitEvent("started", START);
        n3.awaitEvent("started", START);
        List<NodeProcess> three = List.of(n1, n2, n3);
        Set<String> addresses = Set.of(n1.address, n2.address, n3.address);
        List<Member> first = null;
        for (NodeProcess n : three) {
            List<Member> view = awaitView(n, addresses, CONVERGE);
            if (first == null) {
                first = view;
            } else if (!new java.util.HashSet<>(view).equals(new java.util.HashSet<>(first))) {
                throw new AssertionError(n.name + "'s view " + view + " differs from " + first);
            }
        }
        return three;
    }

    /**
     * Starts a node JVM.
     *
     * @param name   for logs.
     * @param prefix the command the JVM runs under, such as {@code ip netns exec NAME}; empty for none.
     * @param bind   its {@code troupe.cluster.bind}, {@code host:port}.
     * @param secret its cluster secret, passed in the environment.
     * @param seeds  its seed nodes, {@code host:port}.
     * @param extra  more arguments for {@link ClusterTestNode}, such as {@code --insecure on}.
     */
    NodeProcess start(String name, List<String> prefix, String bind, String secret, List<String> seeds,
                      List<String> extra) throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("-Xmx160m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
            "-cp", System.getProperty("java.class.path"), ClusterTestNode.class.getName(), "--bind", bind));
        for (String seed : seeds) {
            cmd.add("--seed");
            cmd.add(seed);
        }
        cmd.addAll(extra);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("TROUPE_SECRET", secret);
        Path log = logDir.resolve(name + ".log");
        pb.redirectError(log.toFile());
        NodeProcess node = new NodeProcess(name, bind, pb.start(), log);
        nodes.add(node);
        return node;
    }

    /**
     * Waits until {@code node} lists exactly {@code addresses}, all Up, and returns that view.
     *
     * @throws AssertionError with the node's log when it does not within {@code timeout}.
     */
    static List<Member> awaitView(NodeProcess node, Set<String> addresses, Duration timeout) throws Exception {
        return node.awaitView(addresses, timeout);
    }

    /** Kills every node and its descendants, and waits for them to exit. */
    @Override
    public void close() {
        for (NodeProcess n : nodes) {
            n.process.descendants().forEach(ProcessHandle::destroyForcibly);
            n.process.destroyForcibly();
        }
        for (NodeProcess n : nodes) {
            try {
                n.process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The node with the lowest address as Pekko orders members (host as a string, then port): the one the
     * split-brain resolver keeps when two equal halves lose each other.
     */
    static NodeProcess lowestAddress(List<NodeProcess> nodes) {
        NodeProcess lowest = null;
        for (NodeProcess n : nodes) {
            if (lowest == null || compareAddresses(n.address, lowest.address) < 0) {
                lowest = n;
            }
        }
        return lowest;
    }

    private static int compareAddresses(String a, String b) {
        int colonA = a.lastIndexOf(':');
        int colonB = b.lastIndexOf(':');
        int byHost = a.substring(0, colonA).compareTo(b.substring(0, colonB));
        return byHost != 0 ? byHost
            : Integer.compare(Integer.parseInt(a.substring(colonA + 1)), Integer.parseInt(b.substring(colonB + 1)));
    }

    /** A member as a node lists it. */
    record Member(String id, String address, String status) {
    }

    /** The members of a {@code nodes} or event line, in order. */
    static List<Member> members(String line) {
        List<Member> out = new ArrayList<>();
        Matcher m = MEMBER.matcher(line);
        while (m.find()) {
            out.add(new Member(m.group(1), m.group(2), m.group(3)));
        }
        return out;
    }

    /** One node JVM. */
    static final class NodeProcess {
        final String name;
        final String address;
        final Process process;
        private final Path log;
        private final Writer stdin;
        /** Every event line so far, in order. */
        final List<String> lines = new CopyOnWriteArrayList<>();
        private final BlockingQueue<String> unread = new LinkedBlockingQueue<>();
        private volatile boolean endOfOutput;

        NodeProcess(String name, String address, Process process, Path log) {
            this.name = name;
            this.address = address;
            this.process = process;
            this.log = log;
            this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            Thread reader = new Thread(this::read, "read-" + name);
            reader.setDaemon(true);
            reader.start();
        }

        private void read() {
            try (BufferedReader r = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("{\"event\"")) {
                        lines.add(line);
                        unread.add(line);
                    }
                }
            } catch (IOException ignored) {
                // the process is gone
            } finally {
                endOfOutput = true;
            }
        }

        void send(String command) throws IOException {
            stdin.write(command + "\n");
            stdin.flush();
        }

        /** The next unread line that matches, skipping others; fails with the node's log after {@code timeout}. */
        String await(Predicate<String> wanted, Duration timeout, String what) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                long left = deadline - System.nanoTime();
                boolean ended = endOfOutput;
                String line = left > 0 ? unread.poll(Math.min(left, 200_000_000L), TimeUnit.NANOSECONDS) : null;
                if (line == null && (left <= 0 || ended)) {
                    throw new AssertionError(name + " did not report " + what + (ended ? " before its output ended"
                        : " within " + timeout.toSeconds() + " s") + "; its lines: " + lines + "\nits log:\n" + log());
                }
                if (line == null) {
                    continue;
                }
                if (wanted.test(line)) {
                    return line;
                }
            }
        }

        String awaitEvent(String event, Duration timeout) throws InterruptedException {
            return await(l -> l.startsWith("{\"event\":\"" + event + "\""), timeout, event);
        }

        /** Sends a signal ({@code STOP}, {@code CONT}, ...) to the node JVM only, not to its workers. */
        void signal(String signal) throws IOException, InterruptedException {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                .redirectErrorStream(true).start();
            String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IOException("kill -" + signal + " " + process.pid() + " failed: " + out);
            }
        }

        /** Waits for the JVM to exit and returns its exit status; fails with its log when it does not. */
        int awaitExit(Duration timeout) throws InterruptedException {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(name + " did not exit within " + timeout.toSeconds() + " s; its lines: "
                    + lines + "\nits log:\n" + log());
            }
            return process.exitValue();
        }

        /** This node's membership view now. */
        List<Member> nodes() throws IOException, InterruptedException {
            send("nodes");
            return members(awaitEvent("nodes", Duration.ofSeconds(20)));
        }

        /** Waits until this node lists exactly {@code addresses}, all Up, and returns that view. */
        List<Member> awaitView(Set<String> addresses, Duration timeout) throws IOException, InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            List<Member> view;
            do {
                view = nodes();
                boolean allUp = view.stream().allMatch(m -> m.status().equals("UP"));
                if (allUp && view.stream().map(Member::address).collect(Collectors.toSet()).equals(addresses)
                    && view.size() == addresses.size()) {
                    return view;
                }
                Thread.sleep(200);
            } while (System.nanoTime() < deadline);
            throw new AssertionError(name + " never listed " + addresses + " all Up; last view " + view
                + "\nits log:\n" + log());
        }

        String log() {
            try {
                return Files.exists(log) ? Files.readString(log) : "(none)";
            } catch (IOException e) {
                return "(unreadable: " + e + ")";
            }
        }
    }
}
