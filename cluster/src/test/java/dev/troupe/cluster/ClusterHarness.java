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
     * Starts a node JVM.
     *
     * @param name   for logs.
     * @param port   its Artery port.
     * @param secret its cluster secret, passed in the environment.
     * @param seeds  the seed ports.
     */
    NodeProcess start(String name, int port, String secret, int... seeds) throws IOException {
        return start(name, port, secret, List.of(), seeds);
    }

    /**
     * Starts a node JVM with more settings.
     *
     * @param name     for logs.
     * @param port     its Artery port.
     * @param secret   its cluster secret, passed in the environment.
     * @param settings more settings, {@code KEY=VALUE} each (passed as {@code --conf}).
     * @param seeds    the seed ports.
     */
    NodeProcess start(String name, int port, String secret, List<String> settings, int... seeds) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("-Xmx160m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
            "-cp", System.getProperty("java.class.path"), ClusterTestNode.class.getName(),
            "--bind", HOST + ":" + port));
        for (int seed : seeds) {
            cmd.add("--seed");
            cmd.add(HOST + ":" + seed);
        }
        for (String setting : settings) {
            cmd.add("--conf");
            cmd.add(setting);
        }
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("TROUPE_SECRET", secret);
        Path log = logDir.resolve(name + ".log");
        pb.redirectError(log.toFile());
        NodeProcess node = new NodeProcess(name, HOST + ":" + port, pb.start(), log);
        nodes.add(node);
        return node;
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
