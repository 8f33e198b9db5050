package dev.troupe.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.troupe.NodeInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MemberTableTest {
    private static final NodeInfo A = new NodeInfo("10.0.0.1:25520#42", "10.0.0.1:25520", NodeInfo.Status.UP,
        Set.of("gpu", "big-mem"), 4);
    private static final NodeInfo B = new NodeInfo("10.0.0.22:25520#7", "10.0.0.22:25520",
        NodeInfo.Status.UNREACHABLE, Set.of(), 0);

    @Test
    void tableAlignsColumnsUnderTheirHeaders() {
        String table = new MemberTable(MemberTable.COLUMNS).table(List.of(A, B));
        assertThat(table).isEqualTo(""
            + "ID                 ADDRESS          STATUS       LABELS       LENDS\n"
            + "10.0.0.1:25520#42  10.0.0.1:25520   UP           big-mem,gpu  4\n"
            + "10.0.0.22:25520#7  10.0.0.22:25520  UNREACHABLE  -            0\n");
    }

    @Test
    void jsonLinesCarryEveryColumnWithItsType() {
        List<String> lines = new MemberTable(MemberTable.COLUMNS).jsonLines(List.of(A, B));
        assertThat(lines).containsExactly(
            "{\"id\":\"10.0.0.1:25520#42\",\"address\":\"10.0.0.1:25520\",\"status\":\"UP\","
                + "\"labels\":[\"big-mem\",\"gpu\"],\"lends\":4}",
            "{\"id\":\"10.0.0.22:25520#7\",\"address\":\"10.0.0.22:25520\",\"status\":\"UNREACHABLE\",\"labels\":[],"
                + "\"lends\":0}");
    }

    @Test
    void anAddedColumnAppearsInBothFormsAndTextIsEscaped() {
        List<MemberTable.Column> columns = new ArrayList<>(MemberTable.COLUMNS);
        columns.add(new MemberTable.Column("WORKERS", "workers", n -> n == A ? 4 : null));
        columns.add(new MemberTable.Column("NOTE", "note", n -> "say \"hi\"\\\n"));
        MemberTable table = new MemberTable(columns);

        assertThat(table.table(List.of(A, B)).lines().toList()).satisfiesExactly(
            header -> assertThat(header).endsWith("LABELS       LENDS  WORKERS  NOTE"),
            a -> assertThat(a).endsWith("big-mem,gpu  4      4        say \"hi\"\\?"),
            b -> assertThat(b).endsWith("-            0      -        say \"hi\"\\?"));
        assertThat(table.jsonLines(List.of(A, B))).satisfiesExactly(
            a -> assertThat(a).endsWith(",\"workers\":4,\"note\":\"say \\\"hi\\\"\\\\\\n\"}"),
            b -> assertThat(b).contains(",\"workers\":null,"));
    }
}
