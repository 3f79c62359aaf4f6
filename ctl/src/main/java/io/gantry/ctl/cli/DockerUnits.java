package io.gantry.ctl.cli;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Sizes as Docker's go-units prints them: {@link #decimal} is {@code HumanSize} ("4.26MB", used by
 * {@code images}, NET I/O and BLOCK I/O), {@link #binary} is {@code BytesSize} ("1.953GiB", used for memory).
 * Go's {@code %.4g} keeps up to four significant digits and drops trailing zeros.
 */
public final class DockerUnits {
    private static final String[] DECIMAL = {"B", "kB", "MB", "GB", "TB", "PB"};
    private static final String[] BINARY = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};

    private DockerUnits() {
    }

    public static String decimal(long bytes) {
        return decimal(bytes, 4);
    }

    public static String decimal(long bytes, int significant) {
        return format(bytes, 1000, DECIMAL, significant);
    }

    public static String binary(long bytes) {
        return format(bytes, 1024, BINARY, 4);
    }

    private static String format(long bytes, int base, String[] units, int significant) {
        double v = Math.max(0, bytes);
        int u = 0;
        while (v >= base && u < units.length - 1) {
            v /= base;
            u++;
        }
        BigDecimal rounded = new BigDecimal(v).round(new MathContext(significant, RoundingMode.HALF_EVEN)).stripTrailingZeros();
        return rounded.toPlainString() + units[u];
    }
}
