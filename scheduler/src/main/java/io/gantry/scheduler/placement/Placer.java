package io.gantry.scheduler.placement;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The placement pipeline: every node runs through the feasibility checks (the first failing one gives the
 * node's reason), the survivors are scored, and ties on the best score are broken by a seeded draw.
 * Pure: the same nodes, ask and seed always give the same decision, whatever the input order.
 */
public final class Placer {
    private static final double TIE_EPSILON = 1e-9;

    private final List<FeasibilityCheck> checks;
    private final Scorer scorer;

    public Placer(List<FeasibilityCheck> checks, Scorer scorer) {
        this.checks = List.copyOf(checks);
        this.scorer = scorer;
    }

    /** NodeReady, EnoughCpu, EnoughMemory, HostPortsFree, then bin packing. */
    public static Placer standard() {
        return new Placer(List.of(new NodeReady(), new EnoughCpu(), new EnoughMemory(), new HostPortsFree()),
                new BinPackScorer());
    }

    public PlacementDecision place(List<NodeSnapshot> nodes, Ask ask, long seed) {
        var sorted = nodes.stream().sorted(Comparator.comparing(NodeSnapshot::name)).toList();
        var rejections = new ArrayList<Rejection>();
        var feasible = new ArrayList<NodeSnapshot>();
        for (var node : sorted) {
            var rejection = firstRejection(node, ask);
            if (rejection.isPresent()) {
                rejections.add(rejection.get());
            } else {
                feasible.add(node);
            }
        }
        if (feasible.isEmpty()) {
            return new PlacementDecision.Unplaceable(sorted.size(), rejections);
        }
        double best = Double.NEGATIVE_INFINITY;
        var ties = new ArrayList<NodeSnapshot>();
        for (var node : feasible) {
            double score = scorer.score(node, ask);
            if (score > best + TIE_EPSILON) {
                best = score;
                ties.clear();
                ties.add(node);
            } else if (Math.abs(score - best) <= TIE_EPSILON) {
                ties.add(node);
            }
        }
        var chosen = ties.get(new SplittableRandom(seed).nextInt(ties.size()));
        return new PlacementDecision.Placed(chosen.name(), best);
    }

    /** Whether {@code node} can take {@code ask} right now; used to re-check a plan against the latest state. */
    public Optional<Rejection> firstRejection(NodeSnapshot node, Ask ask) {
        for (var check : checks) {
            var r = check.check(node, ask);
            if (r.isPresent()) {
                return r;
            }
        }
        return Optional.empty();
    }
}
