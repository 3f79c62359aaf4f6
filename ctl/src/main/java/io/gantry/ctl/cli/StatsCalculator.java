package io.gantry.ctl.cli;

import io.gantry.proto.StatsSample;

/** Docker's {@code stats} percentages, from the cumulative counters of two samples of one container. */
public final class StatsCalculator {
    private StatsCalculator() {
    }

    /**
     * CPU % as Docker computes it: the container's CPU time over the host's CPU time between the two samples,
     * times the online CPUs (so one busy core on a 4-core host is 100 %, all four 400 %). 0 without a previous
     * sample, or when a counter did not advance (or went back: a restarted container).
     */
    public static double cpuPercent(StatsSample previous, StatsSample current) {
        if (previous == null) {
            return 0;
        }
        long cpuDelta = current.getCpuUsageNanos() - previous.getCpuUsageNanos();
        long systemDelta = current.getSystemCpuNanos() - previous.getSystemCpuNanos();
        if (cpuDelta <= 0 || systemDelta <= 0) {
            return 0;
        }
        int cpus = current.getOnlineCpus() > 0 ? current.getOnlineCpus() : 1;
        return (double) cpuDelta / systemDelta * cpus * 100.0;
    }

    /** Memory usage over the limit, in %; 0 without a limit. */
    public static double memoryPercent(StatsSample s) {
        return s.getMemoryLimitBytes() <= 0 ? 0 : (double) s.getMemoryUsageBytes() / s.getMemoryLimitBytes() * 100.0;
    }

    /** Docker's "12.34%". */
    public static String percent(double value) {
        return String.format(java.util.Locale.ROOT, "%.2f%%", value);
    }
}
