package io.gantry.scheduler.placement;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Replicas of one service per group of a nested path of node labels (level 1: per zone; level 2: per (zone, rack);
 * a node lacking a label is in the "no such label" group). Counting takes one pass over every node; a
 * {@link PlacementRound} then keeps the counts up to date as it places, instead of counting again.
 */
final class GroupCounts {
    private final String service;
    private final List<NodeAttribute> path;
    private final Map<Object, int[]> counts = new HashMap<>();
    private int fewest;

    private GroupCounts(String service, List<NodeAttribute> path) {
        this.service = service;
        this.path = List.copyOf(path);
    }

    static GroupCounts count(List<NodeSnapshot> nodes, String service, List<NodeAttribute> path) {
        var g = new GroupCounts(service, path);
        for (int i = 0; i < nodes.size(); i++) {
            var node = nodes.get(i);
            g.slot(node)[0] += node.replicasOf(service);
        }
        g.fewest = g.recomputeFewest();
        return g;
    }

    String service() {
        return service;
    }

    /** Replicas of the service in {@code node}'s group. */
    int of(NodeSnapshot node) {
        int[] c = counts.get(groupOf(node));
        return c == null ? 0 : c[0];
    }

    /** The smallest group's count: no node can be in an emptier group. */
    int fewest() {
        return fewest;
    }

    /** One more replica of the service now runs on {@code node}. */
    void added(NodeSnapshot node) {
        int[] c = slot(node);
        boolean wasFewest = c[0] == fewest;
        c[0]++;
        if (wasFewest) {
            fewest = recomputeFewest();
        }
    }

    private int[] slot(NodeSnapshot node) {
        var group = groupOf(node);
        int[] c = counts.get(group);
        if (c == null) {
            c = new int[1];
            counts.put(group, c);
        }
        return c;
    }

    private int recomputeFewest() {
        int min = Integer.MAX_VALUE;
        for (int[] c : counts.values()) {
            min = Math.min(min, c[0]);
        }
        return counts.isEmpty() ? 0 : min;
    }

    /** The label value (null = lacks the label, its own group); nested levels as a list of values. */
    private Object groupOf(NodeSnapshot node) {
        if (path.size() == 1) {
            return path.getFirst().valueOf(node);
        }
        var values = new String[path.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = path.get(i).valueOf(node);
        }
        return Arrays.asList(values);
    }
}
