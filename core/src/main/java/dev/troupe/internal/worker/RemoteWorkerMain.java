package dev.troupe.internal.worker;

import dev.troupe.internal.WorkerLaunch;
import dev.troupe.spi.AuthenticationException;
import dev.troupe.spi.Link;
import dev.troupe.spi.TransportProvider;
import dev.troupe.spi.TransportSettings;
import dev.troupe.spi.support.SecretFiles;
import dev.troupe.spi.Transports;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * INTERNAL API. A worker started by hand on any host, which dials in to a node and joins its pools:
 * {@code troupe worker --connect tcp://HOST:PORT --secret-file FILE}, or
 * {@code java -cp CLASSPATH dev.troupe.RemoteWorker --connect ...} (the public entry point,
 * {@link dev.troupe.RemoteWorker}). The class path must hold the classes of the tasks it will run, as the node's
 * does.
 *
 * <p>It serves until killed: when its link is lost or a pool lets it go, it joins again, backing off from 100 ms
 * to 10 s between attempts while the node is unreachable (so it rejoins a restarted node by itself). A node that
 * refuses it (wrong secret, other protocol version) ends it with exit code
 * {@value WorkerLaunch#EXIT_HANDSHAKE_FAILED}: retrying would not help. A configuration error found before the
 * first attempt (a bad option, a secret file that is missing or readable by other users) ends it at once with exit
 * code {@value #EXIT_USAGE}.
 */
public final class RemoteWorkerMain {
    /** The exit code for a bad command line or local configuration. */
    static final int EXIT_USAGE = 2;
    static final long FIRST_BACKOFF_MILLIS = 100;
    static final long MAX_BACKOFF_MILLIS = 10_000;

    private static final String USAGE = String.join("\n",
        "usage: troupe worker --connect tcp://HOST:PORT [options]",
        "  --connect ADDRESS      the node's remote-worker address (Troupe.remoteAddress())",
        "  --secret-file FILE     an owner-only file holding the shared secret; without it the secret is read",
        "                         from the environment variable TROUPE_SECRET (never from the command line)",
        "  --tls                  connect with TLS",
        "  --tls-trust FILE       the PEM certificate to trust (the node's, or its CA)",
        "  --max-frame-size N     the largest frame in bytes (default 128 MiB)",
        "  --once                 exit when the first connection ends instead of joining again");

    private RemoteWorkerMain() {
    }

    /**
     * @param args see the usage text.
     */
    public static void main(String[] args) {
        Map<String, String> options = new TreeMap<>();
        String address = null;
        boolean once = false;
        int maxFrame = TransportSettings.DEFAULT_MAX_FRAME_BYTES;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--connect":
                        address = value(args, ++i, a);
                        break;
                    case "--secret-file":
                        options.put("secret-file", Path.of(value(args, ++i, a)).toAbsolutePath().toString());
                        break;
                    case "--tls":
                        options.put("tls.enabled", "true");
                        break;
                    case "--tls-trust":
                        options.put("tls.trust", value(args, ++i, a));
                        break;
                    case "--max-frame-size":
                        maxFrame = Integer.parseInt(value(args, ++i, a));
                        break;
                    case "--once":
                        once = true;
                        break;
                    case "--secret":
                        throw new IllegalArgumentException("a secret on the command line is visible to every user of"
                            + " this host (ps); put it in an owner-only file (--secret-file) or in TROUPE_SECRET");
                    case "-h":
                    case "--help":
                        System.out.println(USAGE);
                        System.exit(0);
                        break;
                    default:
                        throw new IllegalArgumentException("unknown option '" + a + "'");
                }
            }
            if (address == null) {
                throw new IllegalArgumentException("--connect is required");
            }
            // A missing or exposed secret file will not mend by retrying: say so now rather than back off forever.
            String secretFile = options.get("secret-file");
            if (secretFile != null) {
                checkSecretFile(Path.of(secretFile));
            }
        } catch (IllegalArgumentException e) {
            System.err.println("troupe worker: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(EXIT_USAGE);
            return;
        }
        System.exit(serve(address, options, maxFrame, once));
    }

    /** The checks the TCP transport makes of the file on every connect, made once, before the first. */
    static void checkSecretFile(Path file) {
        SecretFiles.checkOwnerOnly(file, "--secret-file " + file);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length || args[i].startsWith("--")) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static int serve(String address, Map<String, String> options, int maxFrame, boolean once) {
        TransportProvider provider;
        try {
            provider = Transports.forAddress(address);
        } catch (IllegalStateException e) {
            System.err.println("troupe worker: " + e.getMessage());
            return EXIT_USAGE;
        }
        String host = hostName();
        String id = host + "-" + ProcessHandle.current().pid();
        Map<String, String> env = new HashMap<>();
        env.put(WorkerLaunch.ENV_HOST, host);
        env.put(WorkerLaunch.ENV_CONNECT, address);
        env.put(WorkerLaunch.ENV_WORKER_ID, id);
        env.put(WorkerLaunch.ENV_MAX_FRAME, Integer.toString(maxFrame));
        env.put(WorkerLaunch.ENV_RUN_DIR, System.getProperty("java.io.tmpdir"));
        TransportSettings settings = new TransportSettings(Path.of(System.getProperty("java.io.tmpdir")), maxFrame,
            TransportSettings.DEFAULT_MAX_PENDING_WRITE_BYTES, options);
        long backoff = FIRST_BACKOFF_MILLIS;
        boolean reported = false;
        // Its output is printed here and, while it serves a node that takes it, sent to that node too.
        OutputForwarder.install();
        while (true) {
            Link link;
            try {
                link = provider.connect(address, settings);
            } catch (AuthenticationException e) {
                System.err.println("troupe worker " + id + ": " + e.getMessage());
                return WorkerLaunch.EXIT_HANDSHAKE_FAILED;
            } catch (IOException | RuntimeException e) {
                if (!reported || backoff == MAX_BACKOFF_MILLIS) {
                    System.err.println("troupe worker " + id + ": cannot reach the node at " + address + " ("
                        + e.getMessage() + "); trying again with back-off up to " + MAX_BACKOFF_MILLIS / 1000 + " s");
                    reported = true;
                }
                if (once) {
                    return WorkerLaunch.EXIT_PARENT_GONE;
                }
                sleep(backoff);
                backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
                continue;
            }
            backoff = FIRST_BACKOFF_MILLIS;
            reported = false;
            System.err.println("troupe worker " + id + ": joined the node at " + address + " ("
                + link.description() + ")");
            int code;
            WorkerRuntime runtime = new WorkerRuntime(env, options, true);
            try {
                code = runtime.run(link);
            } catch (Exception e) {
                System.err.println("troupe worker " + id + ": " + e);
                link.close();
                code = WorkerRuntime.LINK_LOST;
            }
            if (once) {
                return code == WorkerRuntime.LINK_LOST ? WorkerLaunch.EXIT_PARENT_GONE : code;
            }
            System.err.println("troupe worker " + id + ": " + ended(code, runtime.shutdownReason()));
            sleep(code == WorkerRuntime.LINK_LOST ? backoff : FIRST_BACKOFF_MILLIS);
        }
    }

    /**
     * What the worker says when a connection ended: the node's reason when it let the worker go ("pool closing",
     * "node closing"), so that joining again after a pool closed does not read as a failure.
     */
    static String ended(int code, String reason) {
        if (code == WorkerRuntime.LINK_LOST) {
            return "lost the node; joining again";
        }
        return "released by the node (" + (reason.isBlank() ? "no reason given" : reason) + "); joining again";
    }

    /** This host's name as the node will show it; a remote worker starts once, so a resolver call is affordable. */
    static String hostName() {
        String host = System.getenv("HOSTNAME");
        if (host != null && !host.isBlank()) {
            return host;
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
