package io.gantry.scheduler.placement;

import java.util.List;
import java.util.Map;
import java.util.Set;

/** Small builders for placement tests. */
final class TestNodes {
    static final long MiB = 1024L * 1024;
    static final long GiB = 1024 * MiB;

    private TestNodes() {}

    static NodeSnapshot node(String name, long cpu, long mem) {
        return new NodeSnapshot(name, true, cpu, mem, 0, 0, Set.of(), Map.of());
    }

    static NodeSnapshot labelled(String name, Map<String, String> labels) {
        return new NodeSnapshot(name, true, 4000, 4 * GiB, 0, 0, Set.of(), labels);
    }

    static Ask replica(String service, String... constraints) {
        return new Ask(100, 64 * MiB, List.of(), service, Constraints.parseAll(List.of(constraints)), List.of());
    }

    static Ask spreadReplica(String service, String... preferences) {
        return new Ask(100, 64 * MiB, List.of(), service, List.of(),
                List.of(preferences).stream().map(Constraints::parsePreference).toList());
    }

    static Ask constrained(String... constraints) {
        return new Ask(100, 64 * MiB, List.of(), "", Constraints.parseAll(List.of(constraints)), List.of());
    }

    /** Places {@code ask} and applies it to {@code nodes} like the scheduler does; returns the node name or null. */
    static String placeAndApply(Placer placer, List<NodeSnapshot> nodes, Ask ask, long seed) {
        var d = placer.place(nodes, ask, seed);
        if (d instanceof PlacementDecision.Placed p) {
            int i = indexOf(nodes, p.node());
            nodes.set(i, nodes.get(i).plus(ask));
            return p.node();
        }
        return null;
    }

    static int indexOf(List<NodeSnapshot> nodes, String name) {
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i).name().equals(name)) {
                return i;
            }
        }
        throw new AssertionError("no node " + name);
    }
}
