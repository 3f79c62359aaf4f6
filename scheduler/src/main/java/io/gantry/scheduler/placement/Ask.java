package io.gantry.scheduler.placement;

import java.util.List;

/** The resources one workload asks for. Zero means "no limit asked" and always fits. */
public record Ask(long cpuMillis, long memoryBytes, List<HostPort> ports) {
    public Ask {
        if (cpuMillis < 0 || memoryBytes < 0) {
            throw new IllegalArgumentException("resources asked must be >= 0");
        }
        ports = List.copyOf(ports);
    }
}
