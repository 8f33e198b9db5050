package dev.troupe.cluster;

import com.typesafe.config.Config;
import dev.troupe.Cluster;
import dev.troupe.NodeInfo;
import dev.troupe.Troupe;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code troupe status}: joins the cluster for a moment as an observer, prints its members, and leaves. Run it
 * through the launcher ({@code ./troupe status --help}) or as {@code java -cp ... dev.troupe.cluster.StatusCommand}.
 */
@Command(name = "troupe status", sortOptions = false, usageHelpAutoWidth = true,
    description = {
        "Prints the members of a Troupe cluster (id, address, status, labels, how many workers each lends), then"
            + " each member's processes (pid, role or pool, state, CPU time, resident memory; a worker lent to a"
            + " pool of another node is listed under the node that runs it) and its pools (placement, workers, how"
            + " many of them other nodes lend, tasks in flight). As tables, or (--json) as one JSON object a member"
            + " and line, with its processes and pools as arrays. A member that does not answer within --timeout is"
            + " listed as such.",
        "",
        "To see the cluster it joins it for a few seconds as a short-lived member: a node labelled "
            + NodeCommand.OBSERVER_LABEL + " that lends no workers, bound to a free port on the interface that"
            + " reaches the seed (127.0.0.1 for a seed on this machine). The other members see it join and then"
            + " leave; it does not list itself. It needs the cluster's secret (--secret-file or TROUPE_SECRET), and"
            + " --insecure when the seed is on another machine. While a member is unreachable, the cluster admits"
            + " it only after a delay (as weakly up)."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:the members were printed",
        "1:could not join the cluster (the reason on stderr)",
        "2:bad flags or --config file"})
public final class StatusCommand implements Callable<Integer> {

    @Mixin
    private ClusterOptions cluster = new ClusterOptions();

    @Option(names = "--json", description = "One JSON object a member and line instead of a table.")
    private boolean json;

    @Option(names = "--bind", paramLabel = "HOST:PORT", converter = ClusterOptions.BindAddress.class,
        description = "Where this short-lived member listens (troupe.cluster.bind); default: a free port on the"
            + " interface that reaches the first seed.")
    private String bind;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "5",
        description = "How long to wait for each member to describe its processes and pools (default:"
            + " ${DEFAULT-VALUE}); a member that does not answer in time is listed as such.")
    private double timeoutSeconds;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    private boolean help;

    @Spec
    private CommandSpec spec;

    /** Picocli makes it. */
    public StatusCommand() {
    }

    /**
     * Runs {@code troupe status}; exits the JVM with the command's exit code.
     *
     * @param args the command line.
     */
    public static void main(String[] args) {
        System.exit(ClusterOptions.execute(new StatusCommand(), args));
    }

    /**
     * Joins, prints the members, leaves.
     *
     * @return the exit code: 0 printed, 1 could not join.
     * @throws InterruptedException when interrupted while leaving.
     */
    @Override
    public Integer call() throws InterruptedException {
        if (cluster.seeds.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Missing required option: '--seed=HOST:PORT'");
        }
        if (!(timeoutSeconds > 0 && timeoutSeconds <= 3600)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Invalid value for option '--timeout': "
                + timeoutSeconds + " (give seconds, more than 0 and at most 3600)");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("labels", List.of(NodeCommand.OBSERVER_LABEL));
        settings.put("workers", 0);
        Config config;
        try {
            settings.put("bind", bind != null ? bind : observerBind(cluster.seeds.get(0)));
            config = cluster.config(settings, spec);
        } catch (IllegalArgumentException e) {
            err.println("troupe status: " + e.getMessage());
            err.flush();
            return NodeCommand.EXIT_FAILED;
        }
        Troupe troupe;
        try {
            troupe = Troupe.cluster(config);
        } catch (RuntimeException e) {
            err.println("troupe status: " + e.getMessage());
            err.flush();
            return NodeCommand.EXIT_FAILED;
        }
        AtomicBoolean done = new AtomicBoolean();
        Thread hook = new Thread(() -> {
            // Interrupted (SIGINT, SIGTERM) before leaving: leave anyway, so that the others do not wait for the
            // split-brain resolver to down this member.
            if (done.compareAndSet(false, true)) {
                leave(troupe, err);
            }
        }, "troupe-status-leave");
        Runtime.getRuntime().addShutdownHook(hook);
        Cluster members = troupe.cluster();
        NodeInfo self = members.self();
        List<NodeInfo> others = new ArrayList<>();
        for (NodeInfo n : members.nodes()) {
            if (!n.id().equals(self.id())) {
                others.add(n);
            }
        }
        NodeTables processes = new NodeTables(describe((PekkoCluster) members, others));
        MemberTable table = new MemberTable(MemberTable.COLUMNS);
        if (json) {
            table.jsonLines(others, processes::json).forEach(out::println);
        } else {
            out.print(table.table(others));
            out.println();
            out.print(processes.workersTable());
            out.println();
            out.print(processes.poolsTable());
            processes.failures().forEach(out::println);
        }
        out.flush();
        if (done.compareAndSet(false, true)) {
            leave(troupe, err);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // the JVM is already shutting down
            }
        }
        return 0;
    }

    /**
     * Asks every member's agent at once what its node runs, and waits at most {@code --timeout} for all of them: a
     * member that does not answer by then (unreachable, paused, busy) is reported as such.
     */
    private List<NodeTables.Report> describe(PekkoCluster members, List<NodeInfo> nodes) throws InterruptedException {
        Duration limit = Duration.ofMillis(Math.max(1, Math.round(timeoutSeconds * 1000)));
        List<CompletableFuture<NodeAgent.Description>> asks = new ArrayList<>();
        for (NodeInfo n : nodes) {
            asks.add(members.describe(n, limit).toCompletableFuture());
        }
        long deadline = System.nanoTime() + limit.plusMillis(500).toNanos();
        List<NodeTables.Report> out = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            String failure;
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                out.add(new NodeTables.Report(nodes.get(i), asks.get(i).get(left, TimeUnit.NANOSECONDS), null));
                continue;
            } catch (TimeoutException e) {
                failure = null;
            } catch (ExecutionException e) {
                failure = e.getCause() instanceof TimeoutException ? null : String.valueOf(e.getCause());
            }
            if (failure == null) {
                failure = "no answer within " + java.math.BigDecimal.valueOf(timeoutSeconds).stripTrailingZeros()
                    .toPlainString() + " s";
            }
            out.add(new NodeTables.Report(nodes.get(i), null, failure));
        }
        return out;
    }

    private static void leave(Troupe troupe, PrintWriter err) {
        try {
            if (!troupe.cluster().leave()) {
                err.println("troupe status: this short-lived member did not finish leaving the cluster within"
                    + " troupe.cluster.leave-timeout; the cluster removes it when it finds it gone");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            err.println("troupe status: leaving the cluster failed: " + e.getMessage());
        } finally {
            troupe.close();
            err.flush();
        }
    }

    /**
     * A free port on this host's address that reaches {@code seed}: the seed's own loopback address when the seed
     * is on this machine, else the address the routing table picks for it (no packet is sent).
     *
     * @throws IllegalArgumentException when the seed's host does not resolve or cannot be routed to.
     */
    static String observerBind(String seed) {
        ClusterSettings.HostPort hp = ClusterSettings.HostPort.parse(seed, "--seed", false);
        InetAddress address;
        try {
            address = InetAddress.getByName(hp.host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("cannot resolve the seed's host '" + hp.host + "': " + e.getMessage(),
                e);
        }
        InetAddress local = address;
        if (!address.isLoopbackAddress()) {
            try (DatagramSocket probe = new DatagramSocket()) {
                probe.connect(new InetSocketAddress(address, hp.port));
                local = probe.getLocalAddress();
            } catch (IOException e) {
                throw new IllegalArgumentException("no route to the seed " + seed + ": " + e.getMessage(), e);
            }
            if (local == null || local.isAnyLocalAddress()) {
                throw new IllegalArgumentException("no local address routes to the seed " + seed
                    + "; give one with --bind HOST:0");
            }
        }
        String host = local.getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":0";
    }
}
