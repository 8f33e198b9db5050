package dev.troupe.internal.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.troupe.PoolOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProgressTest {

    @Test
    void shouldPrintPlainLinesEndingWithTheTotalWhenNotOnATerminal() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        try (Progress p = Progress.start(PoolOptions.workers(1).progressBar(true), 100, false, out)) {
            for (int i = 0; i < 10; i++) {
                p.add(10);
            }
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertThat(text).doesNotContain("\r").doesNotContain("\u001b");
        List<String> lines = text.lines().toList();
        assertThat(lines).isNotEmpty().allMatch(l -> l.matches("map: \\d+/100 \\(\\d+%\\)"));
        assertThat(lines).last().isEqualTo("map: 100/100 (100%)");
    }

    @Test
    void shouldPrintTheEndOnceAndTellTheListenerEveryStep() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        List<Long> heard = new ArrayList<>();
        Progress p = Progress.start(PoolOptions.workers(1).progressBar(true).progress((done, total) -> heard.add(done)),
            4, false, out);
        p.add(1);
        p.add(3);
        p.close();
        p.close();
        assertThat(heard).containsExactly(1L, 4L);
        assertThat(bytes.toString(StandardCharsets.UTF_8).lines().filter(l -> l.equals("map: 4/4 (100%)")))
            .hasSize(1);
    }

    @Test
    void shouldUsePlainLinesOnStderrWhenThisJvmHasNoConsole() {
        // Surefire's forked JVM has no console, as a program whose stderr goes to a file or a pipe.
        assertThat(Progress.hasTerminal()).isFalse();
        PrintStream err = System.err;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try (Progress p = Progress.start(PoolOptions.workers(1).progressBar(true), 3)) {
            p.add(3);
        } finally {
            System.setErr(err);
        }
        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("map: 3/3 (100%)" + System.lineSeparator());
    }

    @Test
    void shouldReportNothingWithoutBarOrListener() {
        assertThat(Progress.start(PoolOptions.workers(1), 10, false, System.err)).isSameAs(Progress.NONE);
    }
}
