package io.gantry.scheduler.placement;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Byte and CPU amounts the way people read them: {@code 512 MiB}, {@code 1 GiB}, {@code 0.5 cores}. */
public final class HumanUnits {
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};

    private HumanUnits() {}

    public static String bytes(long bytes) {
        int unit = 0;
        double value = bytes;
        while (value >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return trim(value, 1) + " " + UNITS[unit];
    }

    public static String cores(long millis) {
        String n = trim(millis / 1000.0, 3);
        return n + (millis == 1000 ? " core" : " cores");
    }

    private static String trim(double value, int decimals) {
        return BigDecimal.valueOf(value).setScale(decimals, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    }
}
