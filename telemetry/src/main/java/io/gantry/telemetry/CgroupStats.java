package io.gantry.telemetry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads a container's CPU, memory and pids accounting from cgroup v1 (one hierarchy per controller) or
 * cgroup v2 (one unified hierarchy), and its network bytes from /proc/PID/net/dev.
 * A cgroup that does not exist (the container is gone) raises {@link NoSuchFileException}.
 */
public final class CgroupStats {
    /** Kernels report "no limit" in v1 as LONG_MAX rounded down to a page; anything this large is unlimited. */
    private static final long V1_UNLIMITED_THRESHOLD = 1L << 62;

    public enum Version { V1, V2 }

    private final Version version;
    private final Path root;
    private final Clock clock;

    /**
     * @param root v1: the directory holding cpuacct/, memory/, pids/ (normally /sys/fs/cgroup);
     *             v2: the unified hierarchy root (normally /sys/fs/cgroup)
     */
    public CgroupStats(Version version, Path root, Clock clock) {
        this.version = version;
        this.root = root;
        this.clock = clock;
    }

    /** The host's layout: v2 if /sys/fs/cgroup is a unified hierarchy, else v1 (hybrid hosts use v1 controllers). */
    public static CgroupStats detect(Clock clock) {
        Path sys = Path.of("/sys/fs/cgroup");
        return new CgroupStats(Files.exists(sys.resolve("cgroup.controllers")) ? Version.V2 : Version.V1, sys, clock);
    }

    public Version version() {
        return version;
    }

    public Path root() {
        return root;
    }

    /** Reads one cgroup, {@code cgroupPath} relative to the hierarchy root (a leading "/" is fine). */
    public CgroupSample read(String cgroupPath) throws IOException {
        String relative = relative(cgroupPath);
        return version == Version.V1 ? readV1(relative) : readV2(relative);
    }

    private CgroupSample readV1(String relative) throws IOException {
        Path cpu = root.resolve("cpuacct").resolve(relative);
        Path memory = root.resolve("memory").resolve(relative);
        Path pids = root.resolve("pids").resolve(relative);
        var now = clock.instant();
        long cpuNanos = readLong(cpu.resolve("cpuacct.usage"));
        long usage = readLong(memory.resolve("memory.usage_in_bytes"));
        Map<String, Long> stat = readKeyValues(memory.resolve("memory.stat"));
        // total_* include descendant cgroups; fall back to the local values on kernels/fixtures without them.
        long inactiveFile = stat.getOrDefault("total_inactive_file", stat.getOrDefault("inactive_file", 0L));
        long rss = stat.getOrDefault("total_rss", stat.getOrDefault("rss", 0L));
        long limit = readLong(memory.resolve("memory.limit_in_bytes"));
        return new CgroupSample(now, cpuNanos, usage, Math.max(0, usage - inactiveFile), rss,
                limit >= V1_UNLIMITED_THRESHOLD ? 0 : limit,
                readOptionalLong(pids.resolve("pids.current"), -1), readOptionalLong(pids.resolve("pids.max"), -1));
    }

    private CgroupSample readV2(String relative) throws IOException {
        Path dir = root.resolve(relative);
        var now = clock.instant();
        Map<String, Long> cpuStat = readKeyValues(dir.resolve("cpu.stat"));
        long cpuNanos = cpuStat.getOrDefault("usage_usec", 0L) * 1000;
        long usage = readLong(dir.resolve("memory.current"));
        Map<String, Long> stat = readKeyValues(dir.resolve("memory.stat"));
        long inactiveFile = stat.getOrDefault("inactive_file", 0L);
        long anon = stat.getOrDefault("anon", 0L);
        long limit = readOptionalLong(dir.resolve("memory.max"), 0);
        return new CgroupSample(now, cpuNanos, usage, Math.max(0, usage - inactiveFile), anon, limit,
                readOptionalLong(dir.resolve("pids.current"), -1), readOptionalLong(dir.resolve("pids.max"), -1));
    }

    /**
     * Network bytes of the namespace PID lives in, from {@code procRoot/PID/net/dev}, loopback excluded.
     */
    public static NetworkCounters network(Path procRoot, long pid) throws IOException {
        long rx = 0;
        long tx = 0;
        for (String line : Files.readAllLines(procRoot.resolve(Long.toString(pid)).resolve("net").resolve("dev"))) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue; // the two header lines
            }
            String iface = line.substring(0, colon).strip();
            if (iface.equals("lo")) {
                continue;
            }
            String[] fields = line.substring(colon + 1).strip().split("\\s+");
            if (fields.length < 9) {
                throw new IOException("unexpected line in /proc/" + pid + "/net/dev: " + line.strip());
            }
            rx += Long.parseLong(fields[0]);
            tx += Long.parseLong(fields[8]);
        }
        return new NetworkCounters(rx, tx);
    }

    private static String relative(String cgroupPath) {
        String relative = cgroupPath.startsWith("/") ? cgroupPath.substring(1) : cgroupPath;
        if (relative.isEmpty() || relative.contains("..")) {
            throw new IllegalArgumentException("invalid cgroup path '" + cgroupPath + "'");
        }
        return relative;
    }

    private static long readLong(Path file) throws IOException {
        String text = Files.readString(file).strip();
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IOException("unexpected content in " + file + ": '" + text + "'");
        }
    }

    /** A number, "max" (unlimited) or a missing file (controller not enabled): both give {@code absent}. */
    private static long readOptionalLong(Path file, long absent) throws IOException {
        String text;
        try {
            text = Files.readString(file).strip();
        } catch (NoSuchFileException e) {
            return absent;
        }
        if (text.equals("max")) {
            return absent;
        }
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IOException("unexpected content in " + file + ": '" + text + "'");
        }
    }

    private static Map<String, Long> readKeyValues(Path file) throws IOException {
        var values = new HashMap<String, Long>();
        for (String line : Files.readAllLines(file)) {
            String[] parts = line.strip().split("\\s+");
            if (parts.length == 2) {
                try {
                    values.put(parts[0], Long.parseLong(parts[1]));
                } catch (NumberFormatException ignored) {
                    // not a counter line
                }
            }
        }
        return values;
    }
}
