package io.gantry.scheduler.placement;

/**
 * Byte and CPU amounts the way people read them: {@code 512 MiB}, {@code 1.5 GiB}, {@code 0.5 cores}. Plain
 * arithmetic (no BigDecimal): an unplaceable ask on a big cluster formats two amounts per node.
 */
public final class HumanUnits {
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};

    private HumanUnits() {}

    /** Binary units, at most one decimal (half up), e.g. {@code 1.5 KiB}. */
    public static String bytes(long bytes) {
        int unit = 0;
        double value = bytes;
        while (value >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return decimal(Math.round(value * 10), 10) + " " + UNITS[unit];
    }

    /** Millicores as cores, up to three decimals, e.g. {@code 0.25 cores}, {@code 1 core}. */
    public static String cores(long millis) {
        return decimal(millis, 1000) + (millis == 1000 ? " core" : " cores");
    }

    /** {@code units / scale} with trailing zeros dropped; {@code scale} is a power of ten. */
    private static String decimal(long units, long scale) {
        var sign = units < 0 ? "-" : "";
        long abs = Math.abs(units);
        long whole = abs / scale;
        long fraction = abs % scale;
        if (fraction == 0) {
            return sign + whole;
        }
        var digits = new StringBuilder(Long.toString(fraction + scale).substring(1)); // zero-padded
        while (digits.charAt(digits.length() - 1) == '0') {
            digits.setLength(digits.length() - 1);
        }
        return sign + whole + "." + digits;
    }
}
