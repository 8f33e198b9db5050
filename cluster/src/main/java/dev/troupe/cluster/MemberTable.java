package dev.troupe.cluster;

import dev.troupe.NodeInfo;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;

/**
 * Prints cluster members as {@code troupe status} shows them: an aligned text table, or one JSON object a line.
 * Both come from the same {@link Column}s, so a new column (a node's workers, its pools) is one more entry in
 * {@link #COLUMNS}. Immutable.
 */
final class MemberTable {
    /** The columns of {@code troupe status}, in order. */
    static final List<Column> COLUMNS = List.of(
        new Column("ID", "id", NodeInfo::id),
        new Column("ADDRESS", "address", NodeInfo::address),
        new Column("STATUS", "status", n -> n.status().name()),
        new Column("LABELS", "labels", n -> n.labels().stream().sorted().toList()),
        new Column("LENDS", "lends", NodeInfo::workers));

    /** Shown in the table for an empty list or a missing value. */
    private static final String NONE = "-";
    private static final String GAP = "  ";

    private final List<Column> columns;

    MemberTable(List<Column> columns) {
        this.columns = List.copyOf(columns);
    }

    /**
     * A column.
     *
     * @param header  its header in the table.
     * @param jsonKey its key in a JSON line.
     * @param value   its value for a member: a {@link String}, a {@link Number}, a {@link Boolean}, a
     *                {@link Collection} of those, or {@code null} (none).
     */
    record Column(String header, String jsonKey, Function<NodeInfo, ?> value) {
    }

    /** The members as a table: a header line and one line per member, columns left-aligned; ends with a newline. */
    String table(List<NodeInfo> members) {
        List<List<String>> cells = new ArrayList<>();
        List<String> header = new ArrayList<>();
        columns.forEach(c -> header.add(c.header()));
        cells.add(header);
        for (NodeInfo m : members) {
            List<String> row = new ArrayList<>();
            columns.forEach(c -> row.add(text(c.value().apply(m))));
            cells.add(row);
        }
        return align(cells);
    }

    /**
     * Rows of cells as an aligned table: columns left-aligned, two spaces apart; ends with a newline.
     *
     * @param cells the rows, the header first, all of one length.
     */
    static String align(List<List<String>> cells) {
        int[] widths = new int[cells.get(0).size()];
        for (List<String> row : cells) {
            for (int i = 0; i < widths.length; i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (List<String> row : cells) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < widths.length; i++) {
                line.append(row.get(i));
                if (i < widths.length - 1) {
                    line.append(" ".repeat(widths[i] - row.get(i).length())).append(GAP);
                }
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        return sb.toString();
    }

    /** The members as JSON lines: one object a member, keys in column order. */
    List<String> jsonLines(List<NodeInfo> members) {
        return jsonLines(members, m -> "");
    }

    /**
     * The members as JSON lines, each with more fields after the columns'.
     *
     * @param more a member's further fields as JSON ({@code "key":value,...}), or an empty string for none.
     */
    List<String> jsonLines(List<NodeInfo> members, Function<NodeInfo, String> more) {
        List<String> out = new ArrayList<>();
        for (NodeInfo m : members) {
            StringBuilder sb = new StringBuilder("{");
            for (Column c : columns) {
                if (sb.length() > 1) {
                    sb.append(',');
                }
                quote(sb, c.jsonKey());
                sb.append(':');
                json(sb, c.value().apply(m));
            }
            String extra = more.apply(m);
            if (!extra.isEmpty()) {
                sb.append(',').append(extra);
            }
            out.add(sb.append('}').toString());
        }
        return out;
    }

    static String text(Object value) {
        if (value == null) {
            return NONE;
        }
        if (value instanceof Collection<?> list) {
            List<String> parts = new ArrayList<>();
            list.forEach(v -> parts.add(text(v)));
            return parts.isEmpty() ? NONE : String.join(",", parts);
        }
        // One member, one line: control characters would break the table.
        String s = String.valueOf(value).replaceAll("\\p{Cntrl}", "?");
        return s.isEmpty() ? NONE : s;
    }

    static void json(StringBuilder sb, Object value) {
        if (value == null) {
            sb.append("null");
        } else if (value instanceof Number || value instanceof Boolean) {
            sb.append(value);
        } else if (value instanceof Collection<?> list) {
            sb.append('[');
            boolean first = true;
            for (Object v : list) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                json(sb, v);
            }
            sb.append(']');
        } else {
            quote(sb, String.valueOf(value));
        }
    }

    /** {@code s} as a JSON string, quotes included. */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder();
        quote(sb, s);
        return sb.toString();
    }

    static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
