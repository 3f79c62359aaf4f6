package io.gantry.ctl.cli;

import io.gantry.proto.RestartPolicy;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsers for Docker-style flag values; each failure is a one-line message. */
public final class Flags {
    private static final Pattern SIZE = Pattern.compile("^(\\d+(?:\\.\\d+)?) ?([kKmMgGtT])?[iI]?[bB]?$");
    private static final Map<Character, Long> UNITS = Map.of(
            'k', 1L << 10, 'm', 1L << 20, 'g', 1L << 30, 't', 1L << 40);
    /** Docker refuses less; a container cannot start its runtime in less memory. */
    static final long MIN_MEMORY = 6L << 20;

    private Flags() {
    }

    /** Docker's RAMInBytes: {@code 64m}, {@code 1g}, {@code 512MiB}, {@code 1048576}. */
    public static long memory(String flag, String value) {
        Matcher m = SIZE.matcher(value.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "invalid argument \"" + value + "\" for \"" + flag + "\": invalid size (use a number with b, k, m or g, e.g. 64m)");
        }
        BigDecimal number = new BigDecimal(m.group(1));
        long unit = m.group(2) == null ? 1 : UNITS.get(Character.toLowerCase(m.group(2).charAt(0)));
        BigDecimal bytes = number.multiply(BigDecimal.valueOf(unit));
        if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("invalid argument \"" + value + "\" for \"" + flag + "\": size too large");
        }
        long result = bytes.longValue();
        if (result < MIN_MEMORY) {
            throw new IllegalArgumentException(
                    "invalid argument \"" + value + "\" for \"" + flag + "\": minimum memory limit allowed is 6MB");
        }
        return result;
    }

    /** {@code --cpus 0.5} in thousandths of a core. */
    public static long cpuMillis(String value) {
        BigDecimal cpus;
        try {
            cpus = new BigDecimal(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid argument \"" + value + "\" for \"--cpus\": not a number");
        }
        if (cpus.signum() <= 0) {
            throw new IllegalArgumentException("invalid argument \"" + value + "\" for \"--cpus\": must be greater than 0");
        }
        long millis = cpus.movePointRight(3).setScale(0, java.math.RoundingMode.HALF_UP).longValueExact();
        if (millis < 10) {
            throw new IllegalArgumentException("invalid argument \"" + value + "\" for \"--cpus\": the minimum is 0.01");
        }
        return millis;
    }

    public static long pidsLimit(long value) {
        if (value <= 0) {
            throw new IllegalArgumentException("invalid argument \"" + value + "\" for \"--pids-limit\": must be greater than 0");
        }
        return value;
    }

    /** {@code no}, {@code always}, {@code unless-stopped}, {@code on-failure[:N]}. */
    public static RestartPolicy restart(String value) {
        String v = value.strip().toLowerCase(Locale.ROOT);
        if (v.equals("no")) {
            return RestartPolicy.newBuilder().setMode(RestartPolicy.Mode.NO).build();
        }
        if (v.equals("always")) {
            return RestartPolicy.newBuilder().setMode(RestartPolicy.Mode.ALWAYS).build();
        }
        if (v.equals("unless-stopped")) {
            return RestartPolicy.newBuilder().setMode(RestartPolicy.Mode.UNLESS_STOPPED).build();
        }
        if (v.equals("on-failure") || v.startsWith("on-failure:")) {
            int retries = 0;
            if (v.contains(":")) {
                try {
                    retries = Integer.parseInt(v.substring(v.indexOf(':') + 1));
                } catch (NumberFormatException e) {
                    retries = -1;
                }
                if (retries < 0) {
                    throw new IllegalArgumentException("invalid restart policy \"" + value + "\": maximum retry count must be a positive integer");
                }
            }
            return RestartPolicy.newBuilder().setMode(RestartPolicy.Mode.ON_FAILURE).setMaxRetries(retries).build();
        }
        throw new IllegalArgumentException(
                "invalid restart policy \"" + value + "\": use no, on-failure[:max-retries], always or unless-stopped");
    }

    /**
     * {@code -e KEY=VALUE}, or {@code -e KEY} to pass the CLI's own value (skipped when
     * unset), as Docker does. Returns null when the variable is to be skipped.
     */
    public static String env(String value, Map<String, String> callerEnv) {
        int eq = value.indexOf('=');
        String key = eq < 0 ? value : value.substring(0, eq);
        if (key.isBlank() || key.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("invalid environment variable \"" + value + "\": expected KEY=VALUE");
        }
        if (eq >= 0) {
            return value;
        }
        String inherited = callerEnv.get(key);
        return inherited == null ? null : key + "=" + inherited;
    }

    /**
     * Docker's {@code --env-file}: one {@code KEY=VALUE} per line, taken as written (no quotes are removed);
     * {@code KEY} alone passes the caller's value; blank lines and lines starting with {@code #} are skipped.
     */
    public static List<String> envFile(java.nio.file.Path file, Map<String, String> callerEnv) {
        List<String> lines;
        try {
            lines = java.nio.file.Files.readAllLines(file, java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException("invalid argument \"" + file + "\" for \"--env-file\": no such file");
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            throw new IllegalArgumentException("invalid argument \"" + file + "\" for \"--env-file\": cannot read it ("
                    + e.getMessage() + ")");
        }
        List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).stripLeading();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            try {
                String kv = env(line, callerEnv);
                if (kv != null) {
                    out.add(kv);
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": " + e.getMessage());
            }
        }
        return out;
    }

    /** {@code k=v[,k=v...]} labels for agents. */
    public static Map<String, String> labels(String value) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        if (value != null && !value.isBlank()) {
            for (String part : value.split(",")) {
                putLabel(out, part);
            }
        }
        return out;
    }

    /** One {@code KEY=VALUE} label (a value may contain commas, as with Docker's --label). */
    public static void putLabel(Map<String, String> into, String label) {
        int eq = label.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("invalid label \"" + label + "\": expected KEY=VALUE");
        }
        into.put(label.substring(0, eq).strip(), label.substring(eq + 1).strip());
    }
}
