package io.gantry.scheduler.placement;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

public sealed interface PlacementDecision {

    /** @param score the chosen node's tie-breaker score (bin packing: how full it will be), for logs */
    record Placed(String node, double score) implements PlacementDecision {}

    /** No node can take the ask; {@code rejections} holds one reason per node, in node name order. */
    record Unplaceable(int nodeCount, List<Rejection> rejections) implements PlacementDecision {
        /** Nodes named per reason in the summary; the rest are counted, so the line stays short on big clusters. */
        static final int NODES_LISTED_PER_REASON = 5;

        public Unplaceable {
            rejections = List.copyOf(rejections);
        }

        /**
         * One line like Docker/Nomad: {@code 0/2 nodes: insufficient memory (node-1: 512 MiB free, 1 GiB asked;
         * node-2: ...), node not ready (node-3)}. Identical categories are grouped, in order of first appearance;
         * past five nodes a reason ends with {@code ; and 12 more}.
         */
        public String summary() {
            if (nodeCount == 0) {
                return "0/0 nodes: no nodes registered";
            }
            var groups = new LinkedHashMap<String, List<Rejection>>();
            for (var r : rejections) {
                groups.computeIfAbsent(r.category(), k -> new ArrayList<>()).add(r);
            }
            var line = new StringBuilder("0/").append(nodeCount).append(" nodes: ");
            boolean firstGroup = true;
            for (var e : groups.entrySet()) {
                if (!firstGroup) {
                    line.append(", ");
                }
                firstGroup = false;
                line.append(e.getKey()).append(" (");
                var members = e.getValue();
                int listed = Math.min(members.size(), NODES_LISTED_PER_REASON);
                for (int i = 0; i < listed; i++) {
                    var r = members.get(i);
                    if (i > 0) {
                        line.append("; ");
                    }
                    line.append(r.node());
                    if (!r.detail().isEmpty()) {
                        line.append(": ").append(r.detail());
                    }
                }
                if (members.size() > listed) {
                    line.append("; and ").append(members.size() - listed).append(" more");
                }
                line.append(')');
            }
            return line.toString();
        }
    }
}
