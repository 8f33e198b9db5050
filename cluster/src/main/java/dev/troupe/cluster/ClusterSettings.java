package dev.troupe.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import dev.troupe.spi.NodeExtension;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The {@code troupe.cluster} settings (see this module's {@code reference.conf}), checked, and the Pekko settings
 * they become. Immutable.
 */
final class ClusterSettings {
    static final String PATH = "troupe.cluster";
    /** Where the digest of the cluster secret goes; the only form of the secret in any configuration. */
    static final String SECRET_ID_PATH = PATH + ".secret-id";
    static final String SBR_PROVIDER = "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider";
    /** Roles with this prefix are Troupe's own, not labels. */
    static final String OWN_ROLE_PREFIX = "troupe-";
    /** The label of a short-lived member that only looks ({@code troupe status}); the one own role users may set. */
    static final String OBSERVER_ROLE = OWN_ROLE_PREFIX + "observer";
    private static final String WORKERS_ROLE = OWN_ROLE_PREFIX + "workers-";
    private static final String DOWNING_PROVIDER_PATH = "pekko.cluster.downing-provider-class";

    final boolean active;
    /** The seed nodes, {@code host:port}, in the configured order. */
    final List<HostPort> seeds;
    final HostPort bind;
    final List<String> labels;
    final String secretFile;
    final String secretEnv;
    final boolean insecure;
    final ClusterTls tls;
    final Duration joinTimeout;
    final Duration leaveTimeout;
    /** How many workers this node lends to pools of other nodes at once ({@code troupe.cluster.workers}). */
    final int workers;

    private ClusterSettings(Config config) {
        Config c = config.getConfig(PATH);
        seeds = new ArrayList<>();
        for (String seed : new LinkedHashSet<>(stringList(c, "seed-nodes"))) {
            seeds.add(HostPort.parse(seed, PATH + ".seed-nodes", false));
        }
        active = !seeds.isEmpty() || flag(c, "enabled");
        bind = HostPort.parse(string(c, "bind"), PATH + ".bind", true);
        labels = List.copyOf(new LinkedHashSet<>(stringList(c, "labels")));
        for (String label : labels) {
            if (label.isBlank() || label.startsWith("dc-")
                || (label.startsWith(OWN_ROLE_PREFIX) && !label.equals(OBSERVER_ROLE))) {
                throw new IllegalArgumentException(PATH + ".labels: '" + label + "' is not a label: labels are"
                    + " non-blank and do not start with 'dc-' (Pekko keeps that prefix for data centers) or '"
                    + OWN_ROLE_PREFIX + "' (Troupe's own)");
            }
        }
        secretFile = string(c, "secret-file");
        secretEnv = string(c, "secret-env");
        insecure = flag(c, "insecure");
        tls = ClusterTls.of(c);
        joinTimeout = positive(c, "join-timeout");
        leaveTimeout = positive(c, "leave-timeout");
        workers = workers(c);
    }

    /** {@code workers}: "auto" for this machine's processor count, or a count from 0. */
    private static int workers(Config c) {
        String text = string(c, "workers");
        if (text.equalsIgnoreCase("auto")) {
            return Runtime.getRuntime().availableProcessors();
        }
        try {
            int n = Integer.parseInt(text);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // Said below.
        }
        throw new IllegalArgumentException(PATH + ".workers must be auto or a count from 0, got '" + text + "'");
    }

    /**
     * The TCP options of a worker this node starts for another node's pool: the cluster's secret, from this node's
     * own source of it (its file, or its environment, which the worker inherits).
     */
    Map<String, String> lentWorkerTransportOptions() {
        Map<String, String> options = new LinkedHashMap<>();
        if (!secretFile.isEmpty()) {
            options.put("secret-file", secretFile);
        } else {
            options.put("secret-env", secretEnv);
        }
        return options;
    }

    /** The role that carries a member's lending capacity, read back by {@link #workersOf}. */
    static String workersRole(int workers) {
        return WORKERS_ROLE + workers;
    }

    /**
     * @param roles a member's roles.
     * @return the lending capacity its {@link #workersRole} says, or 0 when it has none.
     */
    static int workersOf(java.util.Set<String> roles) {
        for (String r : roles) {
            if (r.startsWith(WORKERS_ROLE)) {
                try {
                    return Integer.parseInt(r.substring(WORKERS_ROLE.length()));
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 0;
    }

    /**
     * Reads and checks {@code troupe.cluster}.
     *
     * @throws IllegalArgumentException naming the setting at fault.
     */
    static ClusterSettings of(Config config) {
        if (!config.hasPath(PATH)) {
            throw new IllegalArgumentException("no " + PATH + " settings: the reference.conf of troupe-cluster is not"
                + " in the configuration (a fat jar must append every library's reference.conf)");
        }
        return new ClusterSettings(config);
    }

    /**
     * Refuses to talk in the clear off loopback: without TLS, cluster traffic carries no authentication of its own.
     *
     * @throws IllegalArgumentException when {@link #bind} is not a loopback address, TLS is off and {@code insecure}
     *                                  is off.
     */
    void requireSafeBind() {
        if (!tls.enabled && !insecure && !bind.isLoopback()) {
            throw new IllegalArgumentException(PATH + ".bind = \"" + bind + "\" is not a loopback address, so the"
                + " cluster's traffic would cross the network in the clear and any host could join. Turn on TLS"
                + " between nodes (" + ClusterTls.PATH + ".enabled = on, with " + ClusterTls.PATH + ".cert, .key and"
                + " .trust), or set " + PATH + ".insecure = on on a trusted network, or bind to 127.0.0.1 to keep the"
                + " cluster on this machine");
        }
    }

    /** The seeds as Pekko addresses, {@code pekko://troupe@host:port}. */
    List<String> seedAddresses() {
        List<String> out = new ArrayList<>();
        for (HostPort seed : seeds) {
            out.add("pekko://" + NodeExtension.ACTOR_SYSTEM_NAME + "@" + seed);
        }
        return out;
    }

    /** The seeds as the user wrote them, for messages. */
    String seedList() {
        List<String> out = new ArrayList<>();
        seeds.forEach(s -> out.add(s.toString()));
        return String.join(", ", out);
    }

    /**
     * The settings the node's actor system runs with, over its configuration.
     *
     * @param secretId the digest of the cluster secret.
     * @param config   the node's configuration (a downing provider set there is kept).
     */
    Config pekkoSettings(String secretId, Config config) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("pekko.actor.provider", "cluster");
        s.put("pekko.remote.artery.enabled", true);
        s.put("pekko.remote.artery.transport", "tcp");
        tls.addPekkoSettings(s);
        if (bind.isWildcard()) {
            // Listen everywhere; tell the others the address Pekko finds for this host.
            s.put("pekko.remote.artery.canonical.hostname", "<getHostAddress>");
            s.put("pekko.remote.artery.bind.hostname", bind.host);
        } else {
            s.put("pekko.remote.artery.canonical.hostname", bind.host);
        }
        s.put("pekko.remote.artery.canonical.port", bind.port);
        s.put("pekko.cluster.seed-nodes", seedAddresses());
        List<String> roles = new ArrayList<>(labels);
        roles.add(workersRole(workers));
        s.put("pekko.cluster.roles", roles);
        // Lent workers dial this node over Troupe's TCP link, authenticated with the cluster's secret.
        String listen = config.hasPath("troupe.tcp.listen") ? config.getString("troupe.tcp.listen").trim() : "";
        if (listen.isEmpty()) {
            s.put("troupe.tcp.listen", new HostPort(bind.host, 0).toString());
        }
        s.put("troupe.tcp.secret-file", secretFile);
        s.put("troupe.tcp.secret-env", secretEnv);

        if (!config.hasPath(DOWNING_PROVIDER_PATH) || config.getString(DOWNING_PROVIDER_PATH).isBlank()) {
            s.put(DOWNING_PROVIDER_PATH, SBR_PROVIDER);
        }
        // A downed node closes its Troupe first (pools fail the work they hold, processes stop) and its actor system
        // last (PekkoCluster); Pekko's default would stop the actor system at once, under the running pools.
        s.put("pekko.cluster.run-coordinated-shutdown-when-down", false);
        // A node that cannot join stops instead of retrying for ever; the node start then fails.
        s.put("pekko.cluster.shutdown-after-unsuccessful-join-seed-nodes", joinTimeout.toMillis() + "ms");
        s.put("pekko.cluster.configuration-compatibility-check.checkers.troupe-secret",
            SecretIdChecker.class.getName());
        s.put(SECRET_ID_PATH, secretId);
        return ConfigFactory.parseMap(s, "troupe-cluster settings");
    }

    private static String string(Config c, String key) {
        try {
            return c.getString(key).trim();
        } catch (ConfigException e) {
            throw new IllegalArgumentException(PATH + "." + key + ": " + e.getMessage(), e);
        }
    }

    private static List<String> stringList(Config c, String key) {
        try {
            List<String> out = new ArrayList<>();
            for (String v : c.getStringList(key)) {
                out.add(v.trim());
            }
            return out;
        } catch (ConfigException e) {
            throw new IllegalArgumentException(PATH + "." + key + " must be a list of strings: " + e.getMessage(), e);
        }
    }

    private static boolean flag(Config c, String key) {
        try {
            return c.getBoolean(key);
        } catch (ConfigException e) {
            throw new IllegalArgumentException(PATH + "." + key + " must be on or off: " + e.getMessage(), e);
        }
    }

    private static Duration positive(Config c, String key) {
        Duration d;
        try {
            d = c.getDuration(key);
        } catch (ConfigException e) {
            throw new IllegalArgumentException(PATH + "." + key + " must be a duration such as 30s: "
                + e.getMessage(), e);
        }
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(PATH + "." + key + " must be positive, got " + d);
        }
        return d;
    }

    /** A {@code host:port}; IPv6 hosts in brackets. */
    static final class HostPort {
        final String host;
        final int port;

        private HostPort(String host, int port) {
            this.host = host;
            this.port = port;
        }

        /**
         * @param text     {@code host:port}.
         * @param key      the setting, for messages.
         * @param anyPort  whether port 0 (any free port) is allowed.
         * @throws IllegalArgumentException naming {@code key} when the text is not a {@code host:port}.
         */
        static HostPort parse(String text, String key, boolean anyPort) {
            String t = text.trim();
            int colon = t.lastIndexOf(':');
            String host = colon < 0 ? "" : t.substring(0, colon).trim();
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            if (colon < 0 || host.isEmpty() || t.contains("/") || t.contains("@")) {
                throw new IllegalArgumentException(key + ": '" + text + "' is not HOST:PORT (for example"
                    + " 10.0.0.1:25520)");
            }
            int port;
            try {
                port = Integer.parseInt(t.substring(colon + 1).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(key + ": '" + text + "' has no port number after the last ':'", e);
            }
            if (port < (anyPort ? 0 : 1) || port > 65535) {
                throw new IllegalArgumentException(key + ": port " + port + " in '" + text + "' is out of range"
                    + (anyPort ? " 0-65535 (0: any free port)" : " 1-65535"));
            }
            return new HostPort(host, port);
        }

        boolean isWildcard() {
            return host.equals("0.0.0.0") || host.equals("::") || host.equals("0:0:0:0:0:0:0:0");
        }

        /** Whether every address the host name stands for is a loopback address. */
        boolean isLoopback() {
            if (isWildcard()) {
                return false;
            }
            try {
                InetAddress[] all = InetAddress.getAllByName(host);
                for (InetAddress a : all) {
                    if (!a.isLoopbackAddress()) {
                        return false;
                    }
                }
                return all.length > 0;
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException(PATH + ".bind: host '" + host + "' does not resolve", e);
            }
        }

        @Override
        public String toString() {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
    }
}
