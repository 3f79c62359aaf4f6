package io.gantry.scheduler;

import io.gantry.proto.Node;
import io.gantry.telemetry.FileSdWriter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prometheus file-based service discovery kept by the leader: one target group for its own /metrics and one per
 * node whose agent announced one, labelled with the component and node. Rewritten (atomically) only when the
 * list changes; down nodes stay listed so that Prometheus shows them as down rather than forgetting them.
 */
final class PrometheusTargets {
    private static final Logger log = LoggerFactory.getLogger(PrometheusTargets.class);
    private final FileSdWriter writer;
    private List<FileSdWriter.TargetGroup> written = List.of();

    PrometheusTargets(java.nio.file.Path file) {
        this.writer = new FileSdWriter(file);
    }

    static List<FileSdWriter.TargetGroup> groups(String schedulerMetrics, String schedulerName, List<Node> nodes) {
        var groups = new ArrayList<FileSdWriter.TargetGroup>();
        if (!schedulerMetrics.isEmpty()) {
            groups.add(new FileSdWriter.TargetGroup(List.of(schedulerMetrics),
                    Map.of("component", "scheduler", "node", schedulerName)));
        }
        for (var n : nodes) {
            if (!n.getMetricsAddress().isEmpty()) {
                groups.add(new FileSdWriter.TargetGroup(List.of(n.getMetricsAddress()),
                        Map.of("component", "agent", "node", n.getName())));
            }
        }
        return groups;
    }

    synchronized void update(List<FileSdWriter.TargetGroup> groups) {
        if (groups.equals(written)) {
            return;
        }
        try {
            writer.write(groups);
            written = List.copyOf(groups);
        } catch (IOException e) {
            log.warn("cannot write Prometheus targets: {}", e.getMessage());
        }
    }
}
