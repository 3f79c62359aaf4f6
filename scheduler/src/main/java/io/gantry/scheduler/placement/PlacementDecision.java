package io.gantry.scheduler.placement;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.stream.Collectors;

public sealed interface PlacementDecision {

    record Placed(String node, double score) implements PlacementDecision {}

    record Unplaceable(int nodeCount, List<Rejection> rejections) implements PlacementDecision {
        public Unplaceable {
            rejections = List.copyOf(rejections);
        }

        /**
         * One line like Docker/Nomad: {@code 0/2 nodes: insufficient memory (node-1: 512 MiB free, 1 GiB asked;
         * node-2: ...), node not ready (node-3)}. Identical categories are grouped, in order of first appearance.
         */
        public String summary() {
            if (nodeCount == 0) {
                return "0/0 nodes: no nodes registered";
            }
            var groups = new LinkedHashMap<String, List<Rejection>>();
            for (var r : rejections) {
                groups.computeIfAbsent(r.category(), k -> new java.util.ArrayList<>()).add(r);
            }
            var parts = groups.entrySet().stream().map(e -> e.getKey() + " (" + e.getValue().stream()
                    .map(r -> r.detail().isEmpty() ? r.node() : r.node() + ": " + r.detail())
                    .collect(Collectors.joining("; ")) + ")").collect(Collectors.joining(", "));
            return "0/" + nodeCount + " nodes: " + parts;
        }
    }
}
