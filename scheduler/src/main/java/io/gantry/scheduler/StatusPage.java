package io.gantry.scheduler;

import io.gantry.proto.ContainerState;
import io.gantry.proto.HealthStatus;
import io.gantry.proto.Node;
import io.gantry.proto.Workload;
import io.gantry.scheduler.core.SchedulerCore;
import io.gantry.telemetry.StatusSnapshot;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** The status page's data, from the leader's cache: nodes, the newest workloads, recent events. */
final class StatusPage {
    /** The page is for people: the newest ones are enough, and the JSON stays small on big clusters. */
    static final int MAX_WORKLOADS = 500;
    static final int MAX_EVENTS = 100;

    private StatusPage() {
    }

    static StatusSnapshot snapshot(SchedulerCore core, String leader, long nowMs) {
        var nodes = core.listNodes().stream().map(StatusPage::node).toList();
        var workloads = core.list(true, null).stream().sorted(Comparator.comparingLong(Workload::getCreatedAtMs).reversed())
                .limit(MAX_WORKLOADS).map(StatusPage::workload).toList();
        var recent = core.events().recent();
        var events = recent.subList(Math.max(0, recent.size() - MAX_EVENTS), recent.size()).stream()
                .map(e -> new StatusSnapshot.EventEntry(e.getTimeNanos() / 1_000_000, e.getType(), e.getAction(),
                        e.getName().isEmpty() ? e.getId() : e.getName(), describe(e))).toList();
        return new StatusSnapshot(nowMs, "gantry", leader, nodes, workloads, events);
    }

    private static String describe(io.gantry.proto.Event e) {
        var b = new StringBuilder(e.getType()).append(' ').append(e.getAction());
        if (!e.getNode().isEmpty() && !e.getType().equals("node")) {
            b.append(" on ").append(e.getNode());
        }
        e.getAttributesMap().forEach((k, v) -> {
            if (!v.isEmpty()) {
                b.append(", ").append(k).append('=').append(v);
            }
        });
        return b.toString();
    }

    private static StatusSnapshot.NodeStatus node(Node n) {
        String state = switch (n.getStatus()) {
            case READY -> n.getAvailability() == Node.Availability.DRAIN ? "draining" : "ready";
            case DOWN -> "down";
            default -> "unknown";
        };
        return new StatusSnapshot.NodeStatus(n.getName(), state, n.getAddress(), n.getCpuMillis(), n.getMemoryBytes(),
                n.getAllocatedCpuMillis(), n.getAllocatedMemoryBytes(), -1, -1, n.getWorkloads(), n.getLabelsMap());
    }

    private static StatusSnapshot.WorkloadStatus workload(Workload w) {
        String health = w.getHealth() == HealthStatus.HEALTHY ? "healthy" : w.getHealth() == HealthStatus.UNHEALTHY
                ? "unhealthy" : w.getHealth() == HealthStatus.HEALTH_STARTING ? "starting" : "";
        List<String> reasons = w.getState() == ContainerState.PENDING
                ? w.getRejectionsList().stream().map(r -> r.getNode() + ": " + r.getReason()).toList() : List.of();
        return new StatusSnapshot.WorkloadStatus(w.getId(), w.getSpec().getName(), w.getService(), w.getNode(),
                w.getState() == ContainerState.STATE_UNKNOWN ? "unknown" : w.getState().name().toLowerCase(Locale.ROOT),
                health, w.getSpec().getImage(), w.getReason(), reasons, w.getStartedAtMs(), w.getRestartCount(),
                w.getExitCode());
    }
}
