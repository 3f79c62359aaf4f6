package io.gantry.telemetry;

import java.time.Instant;

/**
 * One reading of a container's cgroup.
 *
 * @param sampledAt          when it was read (for rates: see {@link CpuUsage})
 * @param cpuUsageNanos      total CPU time consumed, all CPUs, nanoseconds
 * @param memoryUsageBytes   memory charged to the cgroup, page cache included
 * @param workingSetBytes    usage minus inactive file cache (what cAdvisor and the OOM killer care about)
 * @param rssBytes           anonymous memory (v1 total_rss, v2 anon)
 * @param memoryLimitBytes   the limit, 0 if unlimited
 * @param pidsCurrent        tasks in the cgroup, -1 if the pids controller is not available
 * @param pidsMax            the pids limit, -1 if unlimited or unavailable
 */
public record CgroupSample(Instant sampledAt, long cpuUsageNanos, long memoryUsageBytes, long workingSetBytes,
                           long rssBytes, long memoryLimitBytes, long pidsCurrent, long pidsMax) {
}
