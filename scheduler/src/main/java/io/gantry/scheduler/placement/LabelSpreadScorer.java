package io.gantry.scheduler.placement;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * {@code --placement-pref spread=node.labels.zone}: the group (label value) holding the fewest replicas of the
 * service wins, counted over all nodes, feasible or not; nodes without the label are a group of their own. With
 * several preferences the groups nest as in Swarm: level 2 counts within (zone, rack) pairs, and so on.
 * Scores {@code -replicas in the node's group}; its ceiling is minus the smallest group's count.
 */
public final class LabelSpreadScorer implements SpreadScorer {
    private final GroupCounts counts;

    LabelSpreadScorer(GroupCounts counts) {
        this.counts = counts;
    }

    /** Counts afresh: one pass over all nodes (a label and a replica lookup each), O(nodes). */
    public static List<LabelSpreadScorer> forPreferences(List<NodeSnapshot> nodes, Ask ask) {
        return forPreferences(ask, (service, path) -> GroupCounts.count(nodes, service, path));
    }

    /** One scorer per preference level, outermost first, with counts from {@code source(service, path)}. */
    static List<LabelSpreadScorer> forPreferences(Ask ask, BiFunction<String, List<NodeAttribute>, GroupCounts> source) {
        var scorers = new ArrayList<LabelSpreadScorer>(ask.preferences().size());
        var path = new ArrayList<NodeAttribute>();
        for (var p : ask.preferences()) {
            path.add(p.attribute());
            scorers.add(new LabelSpreadScorer(source.apply(ask.service(), List.copyOf(path))));
        }
        return scorers;
    }

    @Override
    public double score(NodeSnapshot node, Ask ask) {
        return -counts.of(node);
    }

    @Override
    public double ceiling() {
        return -counts.fewest();
    }
}
