package io.gantry.scheduler.placement;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What the placement core knows about one node at decision time.
 *
 * @param labels       the node's effective labels (operator labels over the agent's)
 * @param availability {@link Availability#DRAIN} nodes get nothing new
 * @param replicas     how many replicas of each service (by the same key as {@link Ask#service()}) the node holds;
 *                     services with none are absent
 */
public record NodeSnapshot(String name, boolean ready, long cpuMillis, long memoryBytes,
                           long allocatedCpu, long allocatedMemory, Set<HostPort> usedHostPorts,
                           Map<String, String> labels, Availability availability, Map<String, Integer> replicas) {

    public enum Availability {
        ACTIVE, DRAIN;

        public static Availability of(io.gantry.proto.Node.Availability a) {
            return a == io.gantry.proto.Node.Availability.DRAIN ? DRAIN : ACTIVE;
        }
    }

    public NodeSnapshot {
        usedHostPorts = Set.copyOf(usedHostPorts);
        labels = Map.copyOf(labels);
        availability = availability == null ? Availability.ACTIVE : availability;
        replicas = Map.copyOf(replicas);
    }

    /** An active node holding no service replicas (the shape before services existed). */
    public NodeSnapshot(String name, boolean ready, long cpuMillis, long memoryBytes, long allocatedCpu,
                        long allocatedMemory, Set<HostPort> usedHostPorts, Map<String, String> labels) {
        this(name, ready, cpuMillis, memoryBytes, allocatedCpu, allocatedMemory, usedHostPorts, labels,
                Availability.ACTIVE, Map.of());
    }

    public long freeCpu() {
        return cpuMillis - allocatedCpu;
    }

    public long freeMemory() {
        return memoryBytes - allocatedMemory;
    }

    public boolean draining() {
        return availability == Availability.DRAIN;
    }

    /** Replicas of {@code service} on this node; 0 for a plain container (empty service). */
    public int replicasOf(String service) {
        if (service.isEmpty()) {
            return 0;
        }
        Integer n = replicas.get(service);
        return n == null ? 0 : n;
    }

    public NodeSnapshot withAvailability(Availability a) {
        return new NodeSnapshot(name, ready, cpuMillis, memoryBytes, allocatedCpu, allocatedMemory, usedHostPorts,
                labels, a, replicas);
    }

    public NodeSnapshot withReplicas(Map<String, Integer> r) {
        return new NodeSnapshot(name, ready, cpuMillis, memoryBytes, allocatedCpu, allocatedMemory, usedHostPorts,
                labels, availability, r);
    }

    /** This node after also running {@code ask}: used to check that plans never over-commit. */
    public NodeSnapshot plus(Ask ask) {
        Set<HostPort> ports = usedHostPorts;
        if (!ask.ports().isEmpty()) {
            var more = new HashSet<>(usedHostPorts);
            more.addAll(ask.ports());
            ports = more;
        }
        Map<String, Integer> counts = replicas;
        if (!ask.service().isEmpty()) {
            var more = new HashMap<>(replicas);
            more.merge(ask.service(), 1, Integer::sum);
            counts = more;
        }
        return new NodeSnapshot(name, ready, cpuMillis, memoryBytes, allocatedCpu + ask.cpuMillis(),
                allocatedMemory + ask.memoryBytes(), ports, labels, availability, counts);
    }
}
