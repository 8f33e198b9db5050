package dev.troupe.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The README's quick start is {@link QuickStart} word for word, so it compiles as written, and it runs. */
class ReadmeQuickStartTest {
    private static final String FENCE = "## Quick start\n\n```java\n";

    @Test
    void readmeQuickStartIsTheCompiledSample() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        int start = readme.indexOf(FENCE);
        assertThat(start).as("README has a Quick start section with a java block").isNotNegative();
        start += FENCE.length();
        String block = readme.substring(start, readme.indexOf("```\n", start));
        String sample = Files.readString(Path.of("src/main/java/dev/troupe/samples/QuickStart.java"));
        String compiled = sample.substring(sample.indexOf("// README-BEGIN\n") + "// README-BEGIN\n".length());
        assertThat(block).isEqualTo(compiled);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void quickStartRunsAndPrintsItsResults() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            QuickStart.main(new String[0]);
        } finally {
            System.setOut(original);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("17984 primes, from pid ").contains("exit code 0").contains("[1, 4, 9] APPLY_ASYNC");
    }
}
