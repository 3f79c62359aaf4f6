package io.gantry.agent.spec;

import io.gantry.proto.Ulimit;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code --ulimit} names to RLIMIT_* and the rule that a container never gets more than the agent holds. */
public final class Rlimits {
    /** Docker's ulimit names. */
    public static final Map<String, String> NAMES = Map.ofEntries(
            Map.entry("as", "RLIMIT_AS"), Map.entry("core", "RLIMIT_CORE"), Map.entry("cpu", "RLIMIT_CPU"),
            Map.entry("data", "RLIMIT_DATA"), Map.entry("fsize", "RLIMIT_FSIZE"), Map.entry("locks", "RLIMIT_LOCKS"),
            Map.entry("memlock", "RLIMIT_MEMLOCK"), Map.entry("msgqueue", "RLIMIT_MSGQUEUE"), Map.entry("nice", "RLIMIT_NICE"),
            Map.entry("nofile", "RLIMIT_NOFILE"), Map.entry("nproc", "RLIMIT_NPROC"), Map.entry("rss", "RLIMIT_RSS"),
            Map.entry("rtprio", "RLIMIT_RTPRIO"), Map.entry("rttime", "RLIMIT_RTTIME"),
            Map.entry("sigpending", "RLIMIT_SIGPENDING"), Map.entry("stack", "RLIMIT_STACK"));
    /** RLIM_INFINITY as the unsigned 64-bit number runc expects. */
    static final BigInteger INFINITY = BigInteger.TWO.pow(64).subtract(BigInteger.ONE);
    public static final long UNLIMITED = -1;

    private Rlimits() {
    }

    /** One rlimit for config.json; values are -1 for unlimited. */
    public record Rlimit(String type, long soft, long hard) {
        public BigInteger jsonSoft() {
            return soft < 0 ? INFINITY : BigInteger.valueOf(soft);
        }

        public BigInteger jsonHard() {
            return hard < 0 ? INFINITY : BigInteger.valueOf(hard);
        }
    }

    /**
     * The container's rlimits: RLIMIT_NOFILE at {@code defaultNofile} unless asked otherwise, plus each asked one.
     * A hard limit above the agent's own ({@code hostHard}, RLIMIT_* to value, -1 unlimited) is refused:
     * runc would fail to raise it (or, as root, raise it past what the operator gave the node).
     */
    public static List<Rlimit> resolve(List<Ulimit> asked, long defaultNofile, Map<String, Long> hostHard) throws SpecException {
        Map<String, Rlimit> out = new LinkedHashMap<>();
        out.put("RLIMIT_NOFILE", new Rlimit("RLIMIT_NOFILE", defaultNofile, defaultNofile));
        for (Ulimit u : asked) {
            String name = u.getName().trim().toLowerCase(Locale.ROOT);
            String type = NAMES.get(name);
            if (type == null) {
                throw new SpecException("invalid ulimit \"" + Capabilities.printable(u.getName()) + "\": unknown name (one of "
                        + String.join(", ", NAMES.keySet().stream().sorted().toList()) + ")");
            }
            long soft = u.getSoft();
            long hard = u.getHard();
            if (soft < -1 || hard < -1) {
                throw new SpecException("invalid ulimit " + name + ": values must be -1 (unlimited) or more");
            }
            if (hard >= 0 && (soft < 0 || soft > hard)) {
                throw new SpecException("invalid ulimit " + name + ": soft limit " + text(soft) + " is above the hard limit " + text(hard));
            }
            long host = hostHard.getOrDefault(type, UNLIMITED);
            if (host >= 0 && (hard < 0 || hard > host)) {
                throw new SpecException("ulimit " + name + ": hard limit " + text(hard) + " is above this node's limit of " + host);
            }
            out.put(type, new Rlimit(type, soft, hard));
        }
        return List.copyOf(out.values());
    }

    private static String text(long v) {
        return v < 0 ? "unlimited" : Long.toString(v);
    }
}
