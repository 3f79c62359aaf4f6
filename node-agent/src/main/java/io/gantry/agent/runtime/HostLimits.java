package io.gantry.agent.runtime;

import io.gantry.agent.spec.Capabilities;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Facts about the host the agent runs on. */
public final class HostLimits {
    private HostLimits() {
    }

    /** The agent's own RLIMIT_NOFILE hard limit: containers never get more (runc fails if asked). */
    public static long nofileHardLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String[] f = line.substring("Max open files".length()).trim().split("\\s+");
                    return f[1].equals("unlimited") ? 1_048_576 : Long.parseLong(f[1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return 1024;
    }

    private static final Map<String, String> LIMIT_NAMES = Map.ofEntries(
            Map.entry("Max cpu time", "RLIMIT_CPU"), Map.entry("Max file size", "RLIMIT_FSIZE"),
            Map.entry("Max data size", "RLIMIT_DATA"), Map.entry("Max stack size", "RLIMIT_STACK"),
            Map.entry("Max core file size", "RLIMIT_CORE"), Map.entry("Max resident set", "RLIMIT_RSS"),
            Map.entry("Max processes", "RLIMIT_NPROC"), Map.entry("Max open files", "RLIMIT_NOFILE"),
            Map.entry("Max locked memory", "RLIMIT_MEMLOCK"), Map.entry("Max address space", "RLIMIT_AS"),
            Map.entry("Max file locks", "RLIMIT_LOCKS"), Map.entry("Max pending signals", "RLIMIT_SIGPENDING"),
            Map.entry("Max msgqueue size", "RLIMIT_MSGQUEUE"), Map.entry("Max nice priority", "RLIMIT_NICE"),
            Map.entry("Max realtime priority", "RLIMIT_RTPRIO"), Map.entry("Max realtime timeout", "RLIMIT_RTTIME"));

    /** The agent's own hard rlimits, RLIMIT_* to value (-1 = unlimited): what a container may get at most. */
    public static Map<String, Long> hardLimits() {
        Map<String, Long> out = new HashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                for (var e : LIMIT_NAMES.entrySet()) {
                    if (line.startsWith(e.getKey() + " ")) {
                        String[] f = line.substring(e.getKey().length()).trim().split("\\s+");
                        out.put(e.getValue(), f[1].equals("unlimited") ? -1L : Long.parseLong(f[1]));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through: at least nofile below
        }
        out.putIfAbsent("RLIMIT_NOFILE", nofileHardLimit());
        return out;
    }

    /** The agent's capability bounding set (CapBnd): a container can never get more. */
    public static List<String> boundingCapabilities() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapBnd:")) {
                    return Capabilities.fromMask(Long.parseUnsignedLong(line.substring(7).trim(), 16));
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return Capabilities.ALL;
    }

    public static long memTotalBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return 0;
    }

    public static long cpuMillis() {
        return Runtime.getRuntime().availableProcessors() * 1000L;
    }
}
