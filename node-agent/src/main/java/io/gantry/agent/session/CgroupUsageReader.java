package io.gantry.agent.session;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Usage from cgroup v2 (cpu.stat, memory.current/stat/max, pids.current, io.stat) or v1 (cpuacct, memory, pids,
 * blkio), with Docker's working set (usage minus inactive file pages), and network bytes from
 * /proc/PID/net/dev (every interface but lo).
 */
public final class CgroupUsageReader implements ContainerUsageReader {
    /** v1 reports "no limit" as a huge page-rounded number. */
    private static final long NO_LIMIT = Long.MAX_VALUE / 2;
    private final Path root;

    public CgroupUsageReader(Path root) {
        this.root = root;
    }

    public static CgroupUsageReader host() {
        return new CgroupUsageReader(Path.of("/sys/fs/cgroup"));
    }

    @Override
    public Usage read(String cgroupsPath, long pid) throws IOException {
        String rel = cgroupsPath.replaceAll("^/+", "");
        if (rel.isEmpty() || rel.contains("..")) {
            throw new IOException("bad cgroup path " + cgroupsPath);
        }
        long[] net = pid > 0 ? network(pid) : new long[2];
        if (Files.exists(root.resolve("cgroup.controllers"))) {
            Path dir = root.resolve(rel);
            long cpu = keyed(dir.resolve("cpu.stat")).getOrDefault("usage_usec", 0L) * 1000;
            long usage = number(dir.resolve("memory.current"));
            long inactive = keyed(dir.resolve("memory.stat")).getOrDefault("inactive_file", 0L);
            long limit = number(dir.resolve("memory.max"));
            long[] io = ioStat(dir.resolve("io.stat"));
            return new Usage(cpu, Math.max(0, usage - inactive), limit >= NO_LIMIT ? 0 : limit, number(dir.resolve("pids.current")),
                    net[0], net[1], io[0], io[1]);
        }
        long cpu = number(root.resolve("cpuacct").resolve(rel).resolve("cpuacct.usage"));
        Path memory = root.resolve("memory").resolve(rel);
        long usage = number(memory.resolve("memory.usage_in_bytes"));
        long inactive = keyed(memory.resolve("memory.stat")).getOrDefault("total_inactive_file", 0L);
        long limit = number(memory.resolve("memory.limit_in_bytes"));
        long[] io = blkio(root.resolve("blkio").resolve(rel).resolve("blkio.throttle.io_service_bytes"));
        return new Usage(cpu, Math.max(0, usage - inactive), limit >= NO_LIMIT ? 0 : limit,
                number(root.resolve("pids").resolve(rel).resolve("pids.current")), net[0], net[1], io[0], io[1]);
    }

    /** Cumulative host CPU time, as Docker's system_cpu_usage: the "cpu" line of /proc/stat, in nanoseconds. */
    public static long systemCpuNanos() throws IOException {
        String first = Files.readAllLines(Path.of("/proc/stat")).getFirst();
        long ticks = 0;
        String[] f = first.trim().split("\\s+");
        for (int i = 1; i < f.length && i <= 8; i++) {
            ticks += Long.parseLong(f[i]);
        }
        return ticks * (1_000_000_000L / 100);
    }

    private static long number(Path file) {
        try {
            String s = Files.readString(file).trim();
            return s.equals("max") ? Long.MAX_VALUE : Long.parseLong(s);
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    private static Map<String, Long> keyed(Path file) {
        Map<String, Long> out = new HashMap<>();
        try {
            for (String line : Files.readAllLines(file)) {
                String[] kv = line.trim().split("\\s+");
                if (kv.length == 2) {
                    try {
                        out.put(kv[0], Long.parseLong(kv[1]));
                    } catch (NumberFormatException ignored) {
                        // not a counter
                    }
                }
            }
        } catch (IOException e) {
            // no such controller: zeros
        }
        return out;
    }

    /** v2 io.stat lines: "MAJ:MIN rbytes=N wbytes=N ...". */
    private static long[] ioStat(Path file) {
        long[] out = new long[2];
        for (String line : lines(file)) {
            for (String field : line.split("\\s+")) {
                if (field.startsWith("rbytes=")) {
                    out[0] += Long.parseLong(field.substring(7));
                } else if (field.startsWith("wbytes=")) {
                    out[1] += Long.parseLong(field.substring(7));
                }
            }
        }
        return out;
    }

    /** v1 blkio lines: "MAJ:MIN Read N". */
    private static long[] blkio(Path file) {
        long[] out = new long[2];
        for (String line : lines(file)) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 3) {
                if (f[1].equals("Read")) {
                    out[0] += Long.parseLong(f[2]);
                } else if (f[1].equals("Write")) {
                    out[1] += Long.parseLong(f[2]);
                }
            }
        }
        return out;
    }

    private static long[] network(long pid) {
        long[] out = new long[2];
        List<String> lines = lines(Path.of("/proc", Long.toString(pid), "net", "dev"));
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon < 0 || line.substring(0, colon).trim().equals("lo")) {
                continue;
            }
            String[] f = line.substring(colon + 1).trim().split("\\s+");
            if (f.length >= 9) {
                out[0] += Long.parseLong(f[0]);
                out[1] += Long.parseLong(f[8]);
            }
        }
        return out;
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            return List.of();
        }
    }
}
