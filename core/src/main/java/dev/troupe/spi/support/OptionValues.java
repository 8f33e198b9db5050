package dev.troupe.spi.support;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Reads typed values out of {@link dev.troupe.spi.TransportSettings#options()}, whose values are the text of the
 * configuration (HOCON) values. Parses the forms HOCON allows for durations ({@code 10s}, {@code 500 ms},
 * {@code 2us}; a bare number is milliseconds), sizes ({@code 1MiB}, {@code 64k}; a bare number is bytes) and
 * booleans ({@code on/off}, {@code true/false}, {@code yes/no}), without loading Typesafe Config: a worker JVM
 * reads its options from its environment, and its start-up does not pay for the configuration library.
 * Stateless and thread-safe.
 */
public final class OptionValues {
    private final Map<String, String> options;
    private final String prefix;

    /**
     * @param options the options, by key without the section's prefix.
     * @param section the configuration section they come from, such as {@code troupe.shm}; named in errors.
     */
    public OptionValues(Map<String, String> options, String section) {
        this.options = Map.copyOf(options);
        this.prefix = section.endsWith(".") ? section : section + ".";
    }

    /**
     * @param key      the key, such as {@code ring-bytes}.
     * @param fallback returned when the option is not set or blank.
     * @return the text.
     */
    public String string(String key, String fallback) {
        String v = options.get(key);
        return v == null || v.isBlank() ? fallback : v.trim();
    }

    /**
     * @param key      the key.
     * @param fallback returned when the option is not set or blank.
     * @return the whole number.
     * @throws IllegalArgumentException when the value is not a whole number; the message names the setting.
     */
    public long number(String key, long fallback) {
        String v = string(key, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(prefix + key + " must be a whole number, got '" + v + "'", e);
        }
    }

    /**
     * @param key      the key.
     * @param fallback returned when the option is not set or blank.
     * @return the flag.
     * @throws IllegalArgumentException when the value is not a HOCON boolean; the message names the setting.
     */
    public boolean flag(String key, boolean fallback) {
        String v = string(key, null);
        if (v == null) {
            return fallback;
        }
        switch (v.toLowerCase(Locale.ROOT)) {
            case "true":
            case "on":
            case "yes":
                return true;
            case "false":
            case "off":
            case "no":
                return false;
            default:
                throw new IllegalArgumentException(prefix + key + " must be on or off, got '" + v + "'");
        }
    }

    /**
     * @param key      the key.
     * @param fallback returned when the option is not set or blank.
     * @return the duration.
     * @throws IllegalArgumentException when the value is not a HOCON duration; the message names the setting.
     */
    public Duration duration(String key, Duration fallback) {
        String v = string(key, null);
        if (v == null) {
            return fallback;
        }
        String[] split = splitUnit(v);
        String unit = split[1];
        long nanosPerUnit;
        switch (unit) {
            case "ns": case "nano": case "nanos": case "nanosecond": case "nanoseconds":
                nanosPerUnit = 1L;
                break;
            case "us": case "micro": case "micros": case "microsecond": case "microseconds":
                nanosPerUnit = 1_000L;
                break;
            case "": case "ms": case "milli": case "millis": case "millisecond": case "milliseconds":
                nanosPerUnit = 1_000_000L;
                break;
            case "s": case "second": case "seconds":
                nanosPerUnit = 1_000_000_000L;
                break;
            case "m": case "minute": case "minutes":
                nanosPerUnit = 60_000_000_000L;
                break;
            case "h": case "hour": case "hours":
                nanosPerUnit = 3_600_000_000_000L;
                break;
            case "d": case "day": case "days":
                nanosPerUnit = 86_400_000_000_000L;
                break;
            default:
                throw new IllegalArgumentException(prefix + key + " must be a duration such as 10s, 500ms or 2us,"
                    + " got '" + v + "' (unknown unit '" + unit + "')");
        }
        return Duration.ofNanos(scale(split[0], nanosPerUnit, key, v, "a duration such as 10s, 500ms or 2us"));
    }

    /**
     * @param key      the key.
     * @param fallback returned when the option is not set or blank.
     * @return the size in bytes.
     * @throws IllegalArgumentException when the value is not a HOCON size; the message names the setting.
     */
    public long bytes(String key, long fallback) {
        String v = string(key, null);
        if (v == null) {
            return fallback;
        }
        String[] split = splitUnit(v);
        String unit = split[1];
        long perUnit;
        switch (unit) {
            case "": case "b": case "byte": case "bytes":
                perUnit = 1L;
                break;
            case "k": case "ki": case "kib": case "kibibyte": case "kibibytes":
                perUnit = 1L << 10;
                break;
            case "kb": case "kilobyte": case "kilobytes":
                perUnit = 1_000L;
                break;
            case "m": case "mi": case "mib": case "mebibyte": case "mebibytes":
                perUnit = 1L << 20;
                break;
            case "mb": case "megabyte": case "megabytes":
                perUnit = 1_000_000L;
                break;
            case "g": case "gi": case "gib": case "gibibyte": case "gibibytes":
                perUnit = 1L << 30;
                break;
            case "gb": case "gigabyte": case "gigabytes":
                perUnit = 1_000_000_000L;
                break;
            default:
                throw new IllegalArgumentException(prefix + key + " must be a size such as 1MiB, 64k or 4096, got '"
                    + v + "' (unknown unit '" + unit + "')");
        }
        return scale(split[0], perUnit, key, v, "a size such as 1MiB, 64k or 4096");
    }

    /** Splits {@code "10 ms"} into {@code "10"} and {@code "ms"}; the unit is lower case ({@code MiB} too). */
    private static String[] splitUnit(String text) {
        int i = text.length();
        while (i > 0 && Character.isLetter(text.charAt(i - 1))) {
            i--;
        }
        String unit = text.substring(i).toLowerCase(Locale.ROOT);
        return new String[] {text.substring(0, i).trim(), unit};
    }

    private long scale(String number, long perUnit, String key, String text, String what) {
        try {
            if (number.indexOf('.') >= 0 || number.indexOf('e') >= 0 || number.indexOf('E') >= 0) {
                double d = Double.parseDouble(number) * perUnit;
                if (d < 0 || d > Long.MAX_VALUE) {
                    throw new NumberFormatException("out of range");
                }
                return (long) d;
            }
            long n = Long.parseLong(number);
            if (n < 0) {
                throw new NumberFormatException("negative");
            }
            return Math.multiplyExact(n, perUnit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException(prefix + key + " must be " + what + ", got '" + text + "'", e);
        }
    }
}
