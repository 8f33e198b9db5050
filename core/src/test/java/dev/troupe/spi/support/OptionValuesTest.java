package dev.troupe.spi.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OptionValuesTest {

    private static OptionValues of(String key, String value) {
        return new OptionValues(Map.of(key, value), "troupe.test");
    }

    @Test
    void shouldParseDurationsAsTypesafeConfigDoes() {
        for (String text : List.of("10s", "10 s", "500ms", "2us", "2 micros", "3m", "1.5s", "250", "7ns", "1h",
            "2 seconds")) {
            Duration expected = ConfigFactory.parseString("d = \"" + text + "\"").getDuration("d");
            assertThat(of("d", text).duration("d", Duration.ZERO)).as(text).isEqualTo(expected);
        }
    }

    @Test
    void shouldParseSizesAsTypesafeConfigDoes() {
        for (String text : List.of("1MiB", "64k", "64K", "4096", "1 MiB", "2m", "1MB", "1GiB", "512 bytes", "8kB")) {
            long expected = ConfigFactory.parseString("b = \"" + text + "\"").getBytes("b");
            assertThat(of("b", text).bytes("b", 0)).as(text).isEqualTo(expected);
        }
    }

    @Test
    void shouldParseHoconBooleans() {
        assertThat(of("f", "on").flag("f", false)).isTrue();
        assertThat(of("f", "yes").flag("f", false)).isTrue();
        assertThat(of("f", "off").flag("f", true)).isFalse();
        assertThat(of("f", "false").flag("f", true)).isFalse();
    }

    @Test
    void shouldTakeTheFallbackForMissingOrBlankValues() {
        OptionValues v = new OptionValues(Map.of("blank", " "), "troupe.test");
        assertThat(v.bytes("missing", 42)).isEqualTo(42);
        assertThat(v.duration("blank", Duration.ofSeconds(3))).isEqualTo(Duration.ofSeconds(3));
        assertThat(v.number("missing", 7)).isEqualTo(7);
        assertThat(v.flag("blank", true)).isTrue();
        assertThat(v.string("missing", "x")).isEqualTo("x");
    }

    @Test
    void shouldNameTheSettingWhenAValueIsMalformed() {
        assertThatThrownBy(() -> of("ring-bytes", "lots").bytes("ring-bytes", 0))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("troupe.test.ring-bytes").hasMessageContaining("'lots'");
        assertThatThrownBy(() -> of("stale-after", "10 parsecs").duration("stale-after", Duration.ZERO))
            .hasMessageContaining("troupe.test.stale-after").hasMessageContaining("parsecs");
        assertThatThrownBy(() -> of("spin", "2.5").number("spin", 0))
            .hasMessageContaining("troupe.test.spin").hasMessageContaining("whole number");
        assertThatThrownBy(() -> of("no-futex", "maybe").flag("no-futex", false))
            .hasMessageContaining("troupe.test.no-futex").hasMessageContaining("on or off");
        assertThatThrownBy(() -> of("b", "-1k").bytes("b", 0)).hasMessageContaining("troupe.test.b");
        assertThatThrownBy(() -> of("b", "99999999999GiB").bytes("b", 0)).hasMessageContaining("troupe.test.b");
    }
}
