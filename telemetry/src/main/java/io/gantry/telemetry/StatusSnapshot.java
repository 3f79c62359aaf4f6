package io.gantry.telemetry;

import java.util.List;
import java.util.Map;

/**
 * What the status page shows, filled by the scheduler and served as JSON at {@code /api/status}.
 * Times are unix epoch milliseconds (0 = unknown); states are the lowercase label values of {@link Labels}.
 *
 * @param generatedAtMs when the scheduler built this snapshot
 * @param cluster       a cluster or scheduler name for the page title; may be empty
 * @param leader        the leader's address (this scheduler when it serves the page); may be empty
 */
public record StatusSnapshot(long generatedAtMs, String cluster, String leader, List<NodeStatus> nodes,
                             List<WorkloadStatus> workloads, List<EventEntry> events) {
    public StatusSnapshot {
        cluster = cluster == null ? "" : cluster;
        leader = leader == null ? "" : leader;
        nodes = List.copyOf(nodes);
        workloads = List.copyOf(workloads);
        events = List.copyOf(events);
    }

    /**
     * One node.
     *
     * @param state                ready, down, draining or unknown
     * @param usedCpuMillis        measured CPU use, -1 if unknown
     * @param usedMemoryBytes      measured memory use (working sets), -1 if unknown
     */
    public record NodeStatus(String name, String state, String address, long cpuMillis, long memoryBytes,
                             long allocatedCpuMillis, long allocatedMemoryBytes, long usedCpuMillis,
                             long usedMemoryBytes, int workloads, Map<String, String> labels) {
        public NodeStatus {
            labels = Map.copyOf(labels);
        }
    }

    /**
     * One workload (container).
     *
     * @param node             "" while unplaced
     * @param state            pending, pulling, starting, running, exited, failed, stopping, paused, unknown
     * @param health           e.g. "healthy", "unhealthy", "starting" or "" when there is no health check
     * @param reason           why pending/failed, one line; may be empty
     * @param placementReasons per rejected node, e.g. "node-2: insufficient memory (...)"; empty unless pending
     */
    public record WorkloadStatus(String id, String name, String service, String node, String state, String health,
                                 String image, String reason, List<String> placementReasons, long startedAtMs,
                                 int restartCount, int exitCode) {
        public WorkloadStatus {
            service = service == null ? "" : service;
            node = node == null ? "" : node;
            health = health == null ? "" : health;
            reason = reason == null ? "" : reason;
            placementReasons = List.copyOf(placementReasons);
        }
    }

    /**
     * One cluster event, newest last.
     *
     * @param type    container, node or service
     * @param action  e.g. placed, pulled, started, died, oom, down, up, leader
     * @param subject the container, node or service name
     * @param message one human-readable line
     */
    public record EventEntry(long timeMs, String type, String action, String subject, String message) {
    }
}
