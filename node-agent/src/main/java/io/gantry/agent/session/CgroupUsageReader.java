package io.gantry.agent.session;

import io.gantry.telemetry.CgroupStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

/**
 * {@code gantry stats}' numbers: CPU, working set, limit and pids from {@link CgroupStats} (the same reader the
 * cAdvisor-style metrics use, cgroup v1 and v2), network bytes from /proc/PID/net/dev, plus block I/O, which only
 * stats shows (v2 io.stat, v1 blkio).
 */
public final class CgroupUsageReader implements ContainerUsageReader {
    private final CgroupStats stats;

    public CgroupUsageReader(CgroupStats stats) {
        this.stats = stats;
    }

    public static CgroupUsageReader host() {
        return new CgroupUsageReader(CgroupStats.detect(Clock.systemUTC()));
    }

    @Override
    public Usage read(String cgroupsPath, long pid) throws IOException {
        var sample = stats.read(cgroupsPath);
        var net = pid > 0 ? CgroupStats.network(Path.of("/proc"), pid) : null;
        String rel = cgroupsPath.replaceAll("^/+", "");
        long[] io = stats.version() == CgroupStats.Version.V2
                ? ioStat(stats.root().resolve(rel).resolve("io.stat"))
                : blkio(stats.root().resolve("blkio").resolve(rel).resolve("blkio.throttle.io_service_bytes"));
        return new Usage(sample.cpuUsageNanos(), sample.workingSetBytes(), sample.memoryLimitBytes(), sample.pidsCurrent(),
                net == null ? 0 : net.receiveBytes(), net == null ? 0 : net.transmitBytes(), io[0], io[1]);
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

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            return List.of();
        }
    }
}
