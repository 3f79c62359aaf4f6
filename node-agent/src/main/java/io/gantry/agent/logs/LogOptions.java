package io.gantry.agent.logs;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code --log-opt} for the k8s-file log, with Docker's json-file meaning: {@code max-size} (bytes, with
 * Docker's suffixes b, k, m, g, optionally followed by b or ib; -1 or unset = no limit) and {@code max-file}
 * (how many files to keep, the live one included; default 1).
 */
public record LogOptions(long maxSizeBytes, int maxFiles) {
    public static final LogOptions UNLIMITED = new LogOptions(-1, 1);
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([bkmg]?)(?:i?b)?", Pattern.CASE_INSENSITIVE);

    public boolean rotates() {
        return maxSizeBytes > 0;
    }

    /**
     * @throws IllegalArgumentException with a one-line message for an unknown option or a bad value
     */
    public static LogOptions parse(Map<String, String> options) {
        long maxSize = -1;
        int maxFiles = 1;
        for (Map.Entry<String, String> e : options.entrySet()) {
            String value = e.getValue().strip();
            switch (e.getKey()) {
                case "max-size" -> maxSize = parseSize(value);
                case "max-file" -> {
                    try {
                        maxFiles = Integer.parseInt(value);
                    } catch (NumberFormatException x) {
                        throw new IllegalArgumentException("invalid --log-opt max-file '" + value + "': not a number");
                    }
                    if (maxFiles < 1) {
                        throw new IllegalArgumentException("invalid --log-opt max-file '" + value + "': must be at least 1");
                    }
                }
                default -> throw new IllegalArgumentException("unknown --log-opt '" + e.getKey() + "' (known: max-size, max-file)");
            }
        }
        if (maxSize <= 0 && maxFiles > 1) {
            throw new IllegalArgumentException("--log-opt max-file needs max-size");
        }
        return new LogOptions(maxSize, maxFiles);
    }

    /** "10m" → 10485760; "-1" → -1 (no limit). */
    static long parseSize(String value) {
        if (value.equals("-1")) {
            return -1;
        }
        Matcher m = SIZE.matcher(value);
        if (!m.matches()) {
            throw new IllegalArgumentException("invalid --log-opt max-size '" + value + "': expected a size such as 10m, 512k or 1g");
        }
        long unit = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 1L << 10;
            case "m" -> 1L << 20;
            case "g" -> 1L << 30;
            default -> 1;
        };
        double bytes = Double.parseDouble(m.group(1)) * unit;
        if (bytes < 1 || bytes > Long.MAX_VALUE / 2) {
            throw new IllegalArgumentException("invalid --log-opt max-size '" + value + "': must be a positive size");
        }
        return (long) bytes;
    }
}
