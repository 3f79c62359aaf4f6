package io.gantry.telemetry;

import java.time.Duration;

/** CPU usage from two cgroup samples of the same container, for {@code gantry stats}. */
public final class CpuUsage {
    private CpuUsage() {}

    /**
     * CPU use between two samples in percent of ONE CPU, as {@code docker stats} shows it:
     * 100 = one core busy, 250 = two and a half cores. 0 if the samples are not in order or the counter was reset.
     */
    public static double percent(CgroupSample earlier, CgroupSample later) {
        long wallNanos = Duration.between(earlier.sampledAt(), later.sampledAt()).toNanos();
        long cpuNanos = later.cpuUsageNanos() - earlier.cpuUsageNanos();
        if (wallNanos <= 0 || cpuNanos < 0) {
            return 0;
        }
        return 100.0 * cpuNanos / wallNanos;
    }
}
