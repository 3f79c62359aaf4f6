package io.gantry.scheduler.placement;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A batch of placements against one snapshot of the cluster, as an evaluation pass plans its pending workloads:
 * {@link #place} decides, {@link #add} records what a placement takes (so the next decision sees it). Deciding
 * here gives the same answer as {@link Placer#place} over {@link #nodes()}, but cheaper: a node is found by name
 * in O(1), and replica counts per label group are counted once per (service, preference) and then kept up to
 * date, instead of counted over every node for every decision.
 *
 * <p>The round orders the nodes by name, so its decisions do not depend on the order the caller lists them in
 * (useful across leaders). Not thread-safe; one round per evaluation pass.
 */
public final class PlacementRound {
    private final Placer placer;
    private final List<NodeSnapshot> nodes;
    private final Map<String, Integer> indexByName;
    private final Map<GroupKey, GroupCounts> groupCounts = new HashMap<>();
    /**
     * Asks found unplaceable since the last {@link #add}: nothing changed since, so the answer (and its per-node
     * reasons, the expensive part on big clusters) still holds. Replicas of one service share one ask, so a
     * service that cannot be placed costs one search per round, not one per replica.
     */
    private final Map<Ask, PlacementDecision.Unplaceable> unplaceable = new HashMap<>();

    private record GroupKey(String service, List<NodeAttribute> path) {}

    PlacementRound(Placer placer, List<NodeSnapshot> nodes) {
        this.placer = placer;
        this.nodes = new ArrayList<>(nodes);
        this.nodes.sort(Comparator.comparing(NodeSnapshot::name)); // adaptive: cheap when already in order
        this.indexByName = new HashMap<>(nodes.size() * 2);
        for (int i = 0; i < this.nodes.size(); i++) {
            if (indexByName.put(this.nodes.get(i).name(), i) != null) {
                throw new IllegalArgumentException("node " + this.nodes.get(i).name() + " is listed twice");
            }
        }
    }

    public PlacementDecision place(Ask ask, long seed) {
        var known = unplaceable.get(ask);
        if (known != null) {
            return known;
        }
        var d = placer.place(nodes, ask, seed, (service, path) -> groupCounts.computeIfAbsent(new GroupKey(service, path),
                k -> GroupCounts.count(nodes, k.service(), k.path())));
        if (d instanceof PlacementDecision.Unplaceable u) {
            unplaceable.put(ask, u);
        }
        return d;
    }

    /** Records that {@code node} now also runs {@code ask} (whether or not this round chose it). */
    public NodeSnapshot add(String node, Ask ask) {
        Integer i = indexByName.get(node);
        if (i == null) {
            throw new IllegalArgumentException("unknown node " + node);
        }
        var after = nodes.get(i).plus(ask);
        nodes.set(i, after);
        unplaceable.clear();
        if (ask.isReplica() && !groupCounts.isEmpty()) {
            for (var g : groupCounts.values()) {
                if (g.service().equals(ask.service())) {
                    g.added(after);
                }
            }
        }
        return after;
    }

    /** Whether {@code node} can take {@code ask} as things stand in this round; empty if there is no such node. */
    public Optional<Rejection> firstRejection(String node, Ask ask) {
        return node(node).flatMap(n -> placer.firstRejection(n, ask));
    }

    public Optional<NodeSnapshot> node(String name) {
        Integer i = indexByName.get(name);
        return i == null ? Optional.empty() : Optional.of(nodes.get(i));
    }

    /** The nodes as they stand, by name. */
    public List<NodeSnapshot> nodes() {
        return List.copyOf(nodes);
    }
}
