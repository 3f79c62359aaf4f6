package io.gantry.ctl.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Go-style durations as Docker's flags take them: {@code 500ms}, {@code 5s}, {@code 2m},
 * {@code 1h}, {@code 1m30s}, and a bare {@code 0}.
 */
public final class Durations {
    private static final Pattern FORM = Pattern.compile("^(?:\\d+(?:ms|s|m|h))+$");
    private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h)");

    private Durations() {
    }

    public static Duration parse(String flag, String value) {
        String v = value.strip();
        if (v.equals("0")) {
            return Duration.ZERO;
        }
        if (!FORM.matcher(v).matches()) {
            throw new IllegalArgumentException("invalid argument \"" + value + "\" for \"" + flag + "\": expected a duration like 500ms, 5s, 2m");
        }
        Duration total = Duration.ZERO;
        Matcher m = PART.matcher(v);
        try {
            while (m.find()) {
                long n = Long.parseLong(m.group(1));
                total = total.plus(switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    default -> Duration.ofHours(n);
                });
            }
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("invalid argument \"" + value + "\" for \"" + flag + "\": duration too large");
        }
        return total;
    }

    /** The short Go-like form Docker prints: {@code 10s}, {@code 1m30s}, {@code 500ms}, {@code 0s}. */
    public static String format(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        StringBuilder out = new StringBuilder();
        long h = d.toHours();
        long m = d.toMinutesPart();
        long s = d.toSecondsPart();
        long ms = d.toMillisPart();
        if (h > 0) {
            out.append(h).append('h');
        }
        if (m > 0) {
            out.append(m).append('m');
        }
        if (s > 0) {
            out.append(s).append('s');
        }
        if (ms > 0) {
            out.append(ms).append("ms");
        }
        return out.toString();
    }
}
