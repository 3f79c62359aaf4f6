package io.gantry.agent.session;

import java.io.IOException;

/**
 * A container's resource usage, read from its cgroup and its init process's network namespace. Narrow on
 * purpose: a fuller reader (io.gantry.telemetry) can stand in for {@link CgroupUsageReader}.
 */
public interface ContainerUsageReader {
    /** {@code cgroupsPath} as in the OCI spec (e.g. "/gantry/ID"); {@code pid} the init process (0 if unknown). */
    Usage read(String cgroupsPath, long pid) throws IOException;

    /** Cumulative counters and current gauges; memory limit 0 when the cgroup has none. */
    record Usage(long cpuNanos, long memoryWorkingSetBytes, long memoryLimitBytes, long pids,
                 long netRxBytes, long netTxBytes, long blockReadBytes, long blockWriteBytes) {
    }
}
