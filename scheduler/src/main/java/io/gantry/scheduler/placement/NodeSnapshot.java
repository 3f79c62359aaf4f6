package io.gantry.scheduler.placement;

import java.util.Map;
import java.util.Set;

/** What the placement core knows about one node at decision time. */
public record NodeSnapshot(String name, boolean ready, long cpuMillis, long memoryBytes,
                           long allocatedCpu, long allocatedMemory, Set<HostPort> usedHostPorts,
                           Map<String, String> labels) {
    public NodeSnapshot {
        usedHostPorts = Set.copyOf(usedHostPorts);
        labels = Map.copyOf(labels);
    }

    public long freeCpu() {
        return cpuMillis - allocatedCpu;
    }

    public long freeMemory() {
        return memoryBytes - allocatedMemory;
    }

    /** This node after also running {@code ask}: used to check that plans never over-commit. */
    public NodeSnapshot plus(Ask ask) {
        var ports = new java.util.HashSet<>(usedHostPorts);
        ports.addAll(ask.ports());
        return new NodeSnapshot(name, ready, cpuMillis, memoryBytes, allocatedCpu + ask.cpuMillis(),
                allocatedMemory + ask.memoryBytes(), ports, labels);
    }
}
