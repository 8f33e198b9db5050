package dev.troupe.cluster;

import com.typesafe.config.Config;
import dev.troupe.Cluster;
import dev.troupe.ClusterEvent;
import dev.troupe.NodeInfo;
import dev.troupe.Troupe;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code troupe node}: runs a cluster node until SIGTERM or SIGINT, then leaves the cluster gracefully. Run it
 * through the launcher ({@code ./troupe node --help}) or as {@code java -cp ... dev.troupe.cluster.NodeCommand}
 * with this module, a transport, picocli and an SLF4J binding on the class path.
 */
@Command(name = "troupe node", sortOptions = false, usageHelpAutoWidth = true,
    description = {
        "Runs a Troupe cluster node: joins the cluster at the seed nodes (with no --seed, starts a new cluster that"
            + " others join by naming this node as their seed), prints a line when it is a member and one for each"
            + " membership change, and runs until SIGTERM or SIGINT. It then leaves the cluster gracefully (the"
            + " others see it removed as LEFT) and exits 0.",
        "",
        "Every node of a cluster has the same shared secret: --secret-file, or the environment variable"
            + " TROUPE_SECRET. Flags override the --config file, which overrides application.conf and the"
            + " defaults."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        " 0:left the cluster (after SIGTERM or SIGINT, or asked to leave by another member)",
        " 1:could not start or join the cluster (the reason on stderr), or did not finish leaving within"
            + " troupe.cluster.leave-timeout",
        " 2:bad flags or --config file",
        "75:the cluster downed this node (unreachable for too long, or on the minority side of a network split);"
            + " start it again to rejoin"})
public final class NodeCommand implements Callable<Integer> {
    /**
     * The exit code of a node the cluster downed: 75, {@code EX_TEMPFAIL} of sysexits.h (another start may succeed).
     * It must equal any public constant for that code.
     */
    static final int EXIT_DOWNED = ClusterExit.DOWNED;
    static final int EXIT_FAILED = 1;
    /** The label {@code troupe status} joins with; a node may not take it. */
    static final String OBSERVER_LABEL = ClusterSettings.OBSERVER_ROLE;

    @Option(names = "--bind", paramLabel = "HOST:PORT", converter = ClusterOptions.BindAddress.class,
        description = "Where this node listens for the other members, and the address they reach it at"
            + " (troupe.cluster.bind; default 127.0.0.1:25520). 0.0.0.0:PORT listens on every interface and"
            + " announces this host's address. Off loopback it needs --insecure.")
    private String bind;

    @Mixin
    private ClusterOptions cluster = new ClusterOptions();

    @Option(names = "--workers", paramLabel = "N",
        description = "How many worker processes this node lends to the pools of other nodes"
            + " (troupe.cluster.workers; default: its number of cores). 0 lends none.")
    private Integer workers;

    @Option(names = "--label", paramLabel = "LABEL",
        description = "A label of this node (troupe.cluster.labels, Pekko's roles), for placing work; repeat it for"
            + " several. Flags replace the labels of the --config file.")
    private List<String> labels = new ArrayList<>();

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    private boolean help;

    @Spec
    private CommandSpec spec;

    /** Picocli makes it. */
    public NodeCommand() {
    }

    /**
     * Runs {@code troupe node}; exits the JVM with the command's exit code.
     *
     * @param args the command line.
     */
    public static void main(String[] args) {
        System.exit(ClusterOptions.execute(new NodeCommand(), args));
    }

    /**
     * Runs the node until a signal or until the cluster removes it.
     *
     * @return the exit code: 0 left, 1 failed to start or to leave, 75 downed.
     * @throws InterruptedException when interrupted while running.
     */
    @Override
    public Integer call() throws InterruptedException {
        Config config = cluster.config(settings(), spec);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Troupe troupe;
        try {
            troupe = Troupe.cluster(config);
        } catch (RuntimeException e) {
            err.println("troupe node: " + e.getMessage());
            err.flush();
            return EXIT_FAILED;
        }
        Cluster members = troupe.cluster();
        if (!(members instanceof PekkoCluster pekko)) {
            troupe.close();
            throw new IllegalStateException("the cluster of this node is not troupe-cluster's: " + members);
        }
        AtomicBoolean exiting = new AtomicBoolean();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (exiting.compareAndSet(false, true)) {
                leaveAndHalt(troupe, members, out);
            }
        }, "troupe-node-leave"));
        NodeInfo self = members.self();
        members.onEvent(e -> out.println("troupe node: " + describe(e, self)));
        out.println("troupe node: " + self.address() + " is a member of the cluster (id " + self.id()
            + (self.labels().isEmpty() ? "" : ", labels " + String.join(",", self.labels().stream().sorted().toList()))
            + (workers == null ? "" : ", lends " + workers + " workers") + "); members: " + list(members.nodes()));
        // Downed: the node closes its Troupe itself (before its actor system stops); else the actor system stops.
        java.util.concurrent.CompletableFuture<PekkoCluster.StopReason> downed = ClusterExit.whenDowned(troupe)
            .toCompletableFuture().thenApply(e -> PekkoCluster.StopReason.DOWNED);
        PekkoCluster.StopReason stop = (PekkoCluster.StopReason) java.util.concurrent.CompletableFuture
            .anyOf(downed, pekko.whenStopped()).join();
        if (!exiting.compareAndSet(false, true)) {
            // A signal came first: the shutdown hook leaves and ends the JVM.
            new CountDownLatch(1).await();
        }
        troupe.close();
        switch (stop) {
            case DOWNED -> {
                err.println("troupe node: the cluster downed this node (it was unreachable for too long, or on the"
                    + " minority side of a network split); its processes are stopped; exiting with " + EXIT_DOWNED);
                err.flush();
                return EXIT_DOWNED;
            }
            case LEFT -> {
                out.println("troupe node: left the cluster (asked by another member)");
                return 0;
            }
            default -> {
                err.println("troupe node: the node's actor system stopped; exiting");
                err.flush();
                return EXIT_FAILED;
            }
        }
    }

    /** The {@code troupe.cluster} settings of the flags. */
    private Map<String, Object> settings() {
        if (workers != null && workers < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                "--workers must be 0 or more, got " + workers);
        }
        for (String label : labels) {
            if (label.isBlank() || label.startsWith("dc-") || label.equals(OBSERVER_LABEL)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--label '" + label + "' is not a"
                    + " label: labels are non-blank, do not start with 'dc-' (Pekko keeps it for data centers) and"
                    + " are not '" + OBSERVER_LABEL + "' (troupe status uses it)");
            }
        }
        Map<String, Object> s = new LinkedHashMap<>();
        if (cluster.seeds.isEmpty()) {
            s.put("enabled", true);
        }
        if (bind != null) {
            s.put("bind", bind);
        }
        if (workers != null) {
            s.put("workers", workers);
        }
        if (!labels.isEmpty()) {
            s.put("labels", labels);
        }
        return s;
    }

    /**
     * Run by the shutdown hook on SIGTERM or SIGINT: leaves the cluster, closes the node, and ends the JVM with 0
     * (or 1 when the leave did not finish in time), not with the signal's 128+n.
     */
    private static void leaveAndHalt(Troupe troupe, Cluster members, PrintWriter out) {
        int code = 0;
        try {
            out.println("troupe node: stopping; leaving the cluster");
            if (members.leave()) {
                out.println("troupe node: left the cluster");
            } else {
                out.println("troupe node: did not finish leaving within troupe.cluster.leave-timeout; stopping");
                code = EXIT_FAILED;
            }
            troupe.close();
        } catch (InterruptedException e) {
            code = EXIT_FAILED;
        } catch (RuntimeException e) {
            out.println("troupe node: leaving failed: " + e);
            code = EXIT_FAILED;
        } finally {
            out.flush();
            System.err.flush();
            Runtime.getRuntime().halt(code);
        }
    }

    private static String describe(ClusterEvent e, NodeInfo self) {
        String who = e.node().address() + (e.node().id().equals(self.id()) ? " (this node)" : "");
        if (e instanceof ClusterEvent.NodeUp) {
            return "member " + who + " is up" + labels(e.node());
        } else if (e instanceof ClusterEvent.NodeUnreachable) {
            return "member " + who + " is unreachable";
        } else if (e instanceof ClusterEvent.NodeReachable) {
            return "member " + who + " is reachable again";
        } else if (e instanceof ClusterEvent.NodeRemoved removed) {
            return "member " + who + " was removed (" + removed.reason() + ")";
        }
        return e.toString();
    }

    private static String labels(NodeInfo n) {
        return n.labels().isEmpty() ? "" : " (labels " + String.join(",", n.labels().stream().sorted().toList()) + ")";
    }

    /** Members as {@code address STATUS}, comma-separated. */
    static String list(List<NodeInfo> nodes) {
        List<String> out = new ArrayList<>();
        nodes.forEach(n -> out.add(n.address() + " " + n.status()));
        return String.join(", ", out);
    }
}
