package dev.troupe.cluster;

import dev.troupe.NodeInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The processes and pools of {@code troupe status}, from what each member's agent answered
 * ({@link NodeAgent.Description}): two aligned text tables (workers, pools) and the lines of members that did not
 * answer, or the same data as JSON fields of each member's line. A lent worker is listed under the node that runs
 * it, with its state as the pool's node knows it. Immutable.
 */
final class NodeTables {
    /** The headers of the workers table. */
    static final List<String> WORKER_HEADERS = List.of("NODE", "PID", "ROLE/POOL", "STATE", "CPU", "RSS");
    /** The headers of the pools table. */
    static final List<String> POOL_HEADERS = List.of("NODE", "POOL", "PLACEMENT", "WORKERS", "LENT", "IN_FLIGHT");
    private static final String NONE = "-";

    /**
     * What one member answered, or why it did not.
     *
     * @param node        the member.
     * @param description its answer, or {@code null}.
     * @param failure     why there is no answer (for example "no answer within 5 s"), or {@code null}.
     */
    record Report(NodeInfo node, NodeAgent.Description description, String failure) {
    }

    private final List<Report> reports;
    /** The states of workers other nodes run for pools, as their pools' nodes know them: by node and worker id. */
    private final Map<String, String> borrowedStates = new HashMap<>();

    NodeTables(List<Report> reports) {
        this.reports = List.copyOf(reports);
        for (Report r : reports) {
            if (r.description() != null) {
                for (NodeAgent.ProcessRow p : r.description().processes()) {
                    if (p.role().equals(NodeAgent.ProcessRow.BORROWED)) {
                        borrowedStates.put(r.description().node() + "/" + p.id(), p.state());
                    }
                }
            }
        }
    }

    /** The workers table: one line per process a member runs (or took as a remote worker); ends with a newline. */
    String workersTable() {
        List<List<String>> cells = new ArrayList<>();
        cells.add(WORKER_HEADERS);
        for (Report r : reports) {
            if (r.description() == null) {
                continue;
            }
            for (NodeAgent.ProcessRow p : shown(r)) {
                cells.add(List.of(r.node().address(), pid(p), role(p), state(p), cpu(p.cpuMillis()),
                    memory(p.rssBytes())));
            }
        }
        return MemberTable.align(clean(cells));
    }

    /** The pools table: one line per pool of a member; ends with a newline. */
    String poolsTable() {
        List<List<String>> cells = new ArrayList<>();
        cells.add(POOL_HEADERS);
        for (Report r : reports) {
            if (r.description() == null) {
                continue;
            }
            for (NodeAgent.PoolRow p : r.description().pools()) {
                cells.add(List.of(r.node().address(), p.name(), p.placement(), Integer.toString(p.workers()),
                    Integer.toString(p.lent()), Integer.toString(p.inFlight())));
            }
        }
        return MemberTable.align(clean(cells));
    }

    /** One line per member that did not answer, saying why. */
    List<String> failures() {
        List<String> out = new ArrayList<>();
        for (Report r : reports) {
            if (r.description() == null) {
                out.add("no processes of " + r.node().address() + " (" + r.node().status() + "): "
                    + MemberTable.text(r.failure()));
            }
        }
        return out;
    }

    /**
     * A member's fields for its JSON line: {@code "answered"}, {@code "workers"} and {@code "pools"} (arrays of
     * objects; {@code null} when it did not answer) and, when it did not, {@code "error"}.
     */
    String json(NodeInfo node) {
        Report report = null;
        for (Report r : reports) {
            if (r.node().id().equals(node.id())) {
                report = r;
            }
        }
        StringBuilder sb = new StringBuilder();
        if (report == null || report.description() == null) {
            sb.append("\"answered\":false,\"workers\":null,\"pools\":null,\"error\":");
            MemberTable.quote(sb, report == null ? "not asked" : String.valueOf(report.failure()));
            return sb.toString();
        }
        sb.append("\"answered\":true,\"workers\":[");
        boolean first = true;
        for (NodeAgent.ProcessRow p : shown(report)) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("pid", p.pid() < 0 ? null : p.pid());
            o.put("id", p.id());
            o.put("role", p.role());
            o.put("pool", blankToNull(p.pool()));
            o.put("peer", blankToNull(p.peer()));
            o.put("host", blankToNull(p.host()));
            o.put("state", state(p));
            o.put("cpuMillis", p.cpuMillis() < 0 ? null : p.cpuMillis());
            o.put("rssBytes", p.rssBytes() < 0 ? null : p.rssBytes());
            sb.append(first ? "" : ",");
            object(sb, o);
            first = false;
        }
        sb.append("],\"pools\":[");
        first = true;
        for (NodeAgent.PoolRow p : report.description().pools()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("name", p.name());
            o.put("placement", p.placement());
            o.put("workers", p.workers());
            o.put("lent", p.lent());
            o.put("inFlight", p.inFlight());
            sb.append(first ? "" : ",");
            object(sb, o);
            first = false;
        }
        return sb.append(']').toString();
    }

    /** A member's processes as listed: not those another node runs for its pools (that node lists them). */
    private static List<NodeAgent.ProcessRow> shown(Report r) {
        List<NodeAgent.ProcessRow> out = new ArrayList<>();
        for (NodeAgent.ProcessRow p : r.description().processes()) {
            if (!p.role().equals(NodeAgent.ProcessRow.BORROWED)) {
                out.add(p);
            }
        }
        return out;
    }

    private String state(NodeAgent.ProcessRow p) {
        if (p.role().equals(NodeAgent.ProcessRow.LENT)) {
            return borrowedStates.getOrDefault(p.peer() + "/" + p.id(), p.state());
        }
        return p.state();
    }

    private static String pid(NodeAgent.ProcessRow p) {
        if (p.pid() < 0) {
            return NONE;
        }
        return p.host().isEmpty() ? Long.toString(p.pid()) : p.pid() + "@" + p.host();
    }

    /** {@code pool:NAME}, {@code lent:NAME@NODE}, {@code remote:NAME}, {@code spawned}, {@code exec}. */
    private static String role(NodeAgent.ProcessRow p) {
        return switch (p.role()) {
            case NodeAgent.ProcessRow.WORKER -> "pool:" + p.pool();
            case NodeAgent.ProcessRow.LENT -> "lent:" + p.pool() + "@" + p.peer();
            case NodeAgent.ProcessRow.REMOTE -> "remote:" + p.pool();
            default -> p.role();
        };
    }

    /** CPU time in seconds. */
    static String cpu(long millis) {
        return millis < 0 ? NONE : String.format(Locale.ROOT, "%.2fs", millis / 1000.0);
    }

    /** Resident memory in MiB. */
    static String memory(long bytes) {
        return bytes < 0 ? NONE : String.format(Locale.ROOT, "%.1fMiB", bytes / (1024.0 * 1024.0));
    }

    private static String blankToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static void object(StringBuilder sb, Map<String, Object> fields) {
        sb.append('{');
        boolean first = true;
        for (Map.Entry<String, Object> e : fields.entrySet()) {
            sb.append(first ? "" : ",");
            MemberTable.quote(sb, e.getKey());
            sb.append(':');
            MemberTable.json(sb, e.getValue());
            first = false;
        }
        sb.append('}');
    }

    /** Cells as the table shows them: no control characters, a dash for an empty one. */
    private static List<List<String>> clean(List<List<String>> cells) {
        List<List<String>> out = new ArrayList<>();
        for (List<String> row : cells) {
            List<String> r = new ArrayList<>();
            row.forEach(c -> r.add(MemberTable.text(c)));
            out.add(r);
        }
        return out;
    }
}
