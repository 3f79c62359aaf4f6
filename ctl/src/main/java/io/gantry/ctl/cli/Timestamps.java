package io.gantry.ctl.cli;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * Docker's {@code --since}/{@code --until} values: an RFC 3339 time ({@code 2026-11-22T15:04:05Z}, or with an
 * offset), Unix seconds ({@code 1763823845}, optionally with a fraction), or a duration before now
 * ({@code 10m}, {@code 1h30m}).
 */
public final class Timestamps {
    private Timestamps() {
    }

    /** Unix epoch nanoseconds. */
    public static long parseNanos(String flag, String value, Instant now) {
        String v = value.strip();
        try {
            if (v.matches("\\d+(\\.\\d{1,9})?")) {
                return new BigDecimal(v).movePointRight(9).longValueExact();
            }
            if (v.matches("(\\d+(ms|s|m|h))+")) {
                return nanos(now.minus(Durations.parse(flag, v)));
            }
            return nanos(OffsetDateTime.parse(v).toInstant());
        } catch (DateTimeParseException | ArithmeticException | IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid argument \"" + value + "\" for \"" + flag
                    + "\": expected a time like 2026-11-22T15:04:05Z, Unix seconds, or a duration like 10m");
        }
    }

    private static long nanos(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
    }
}
