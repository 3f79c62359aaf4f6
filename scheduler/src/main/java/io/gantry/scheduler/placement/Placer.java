package io.gantry.scheduler.placement;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.RandomAccess;
import java.util.function.BiFunction;

/**
 * The placement pipeline, kube-scheduler style: feasibility checks filter, scorers rank, and Nomad's
 * LimitIterator idea keeps it cheap on big clusters.
 *
 * <p><b>Search.</b> Nodes are visited in a seeded pseudo-random order ({@link VisitOrder}); each runs through the
 * checks (allocation-free {@link FeasibilityCheck#admits}). The search stops once it has seen {@code sample}
 * feasible nodes, {@code max(2, ceil(log2 N))} by default as in Nomad, and takes the best of them; ties go to the
 * node visited first, so the seed also breaks ties.
 *
 * <p><b>Ranking.</b> Lexicographic, strongest first: for a service replica, each spread preference's group count
 * (fewest replicas of the service in the node's label group), then the node's own replica count of the service
 * (Swarm's default spread), then {@code replicaTieBreaker} (least allocated, as Swarm prefers the least loaded
 * node). A plain container is only ranked by {@code tieBreaker} (bin packing).
 *
 * <p><b>Exact spread.</b> Sampling must not unbalance a service, so for a replica the search only stops after
 * {@code sample} feasible nodes if the best one so far reaches every spread scorer's {@link SpreadScorer#ceiling}
 * (no replica of the service on the node, its label groups the emptiest there are): no node can do better.
 * Otherwise it goes on, up to every node. Small services on big clusters stop early; a service with at least as
 * many replicas as nodes, or whose emptiest group or nodes are infeasible (drained, constrained away), makes the
 * search look at every node: O(N). Spread preferences need replica counts per label group: one O(N) counting pass
 * per decision with {@link #place}, once per round (then kept up to date) with a {@link PlacementRound}.
 *
 * <p><b>Nothing fits.</b> Then every node was visited and found infeasible, and every node gets its reason
 * ({@link PlacementDecision.Unplaceable}, in name order).
 *
 * <p>Pure and deterministic: the same node list (in the same order), ask and seed give the same decision. The
 * caller should therefore pass nodes in a stable order (a {@link PlacementRound} sorts them by name). No I/O, no
 * clock; the hot path allocates only a few small arrays per decision.
 */
public final class Placer {
    private static final double TIE_EPSILON = 1e-9;
    private static final SpreadScorer[] NO_SPREAD = {};

    private final FeasibilityCheck[] checkArray;
    private final Scorer tieBreaker;
    private final Scorer replicaTieBreaker;
    private final SpreadScorer serviceSpread = new ServiceSpreadScorer();
    private final SpreadScorer[] serviceSpreadOnly = {serviceSpread};
    private final int fixedSample;

    /** Samples {@code max(2, ceil(log2 N))} feasible nodes; {@code tieBreaker} ranks replicas too. */
    public Placer(List<FeasibilityCheck> checks, Scorer tieBreaker) {
        this(checks, tieBreaker, tieBreaker, 0);
    }

    /**
     * @param tieBreaker        ranks plain containers
     * @param replicaTieBreaker ranks service replicas after their spread
     * @param sampleSize        feasible nodes to compare before stopping; 0 for {@code max(2, ceil(log2 N))},
     *                          {@link Integer#MAX_VALUE} to always look at every node
     */
    public Placer(List<FeasibilityCheck> checks, Scorer tieBreaker, Scorer replicaTieBreaker, int sampleSize) {
        if (sampleSize < 0) {
            throw new IllegalArgumentException("sample size must be >= 0");
        }
        this.checkArray = List.copyOf(checks).toArray(FeasibilityCheck[]::new);
        this.tieBreaker = tieBreaker;
        this.replicaTieBreaker = replicaTieBreaker;
        this.fixedSample = sampleSize;
    }

    /**
     * NodeReady, NodeActive, MatchesConstraints, EnoughCpu, EnoughMemory, HostPortsFree; plain containers bin-packed,
     * replicas spread then least allocated.
     */
    public static Placer standard() {
        return new Placer(standardChecks(), new BinPackScorer(), new LeastAllocatedScorer(), 0);
    }

    public static List<FeasibilityCheck> standardChecks() {
        return List.of(new NodeReady(), new NodeActive(), new MatchesConstraints(), new EnoughCpu(), new EnoughMemory(),
                new HostPortsFree());
    }

    /**
     * One decision over {@code nodes}. With spread preferences this counts replicas per label group first (O(N));
     * to place many workloads in a row, a {@link #round} keeps those counts instead.
     */
    public PlacementDecision place(List<NodeSnapshot> nodes, Ask ask, long seed) {
        if (!(nodes instanceof RandomAccess)) {
            nodes = List.copyOf(nodes);
        }
        var all = nodes;
        return place(nodes, ask, seed, (service, path) -> GroupCounts.count(all, service, path));
    }

    /** Places a batch of workloads one after the other on {@code nodes}, tracking what each placement uses. */
    public PlacementRound round(List<NodeSnapshot> nodes) {
        return new PlacementRound(this, nodes);
    }

    PlacementDecision place(List<NodeSnapshot> nodes, Ask ask, long seed,
                            BiFunction<String, List<NodeAttribute>, GroupCounts> groupCounts) {
        int n = nodes.size();
        if (n == 0) {
            return new PlacementDecision.Unplaceable(0, List.of());
        }
        SpreadScorer[] spread = spreadScorers(ask, groupCounts);
        int tie = spread.length;
        double[] ceiling = new double[tie];
        for (int d = 0; d < tie; d++) {
            ceiling[d] = spread[d].ceiling();
        }
        double[] best = new double[tie + 1];
        double[] current = new double[tie + 1];
        int bestIndex = -1;
        int feasible = 0;
        int sample = sampleSize(n);
        Scorer last = ask.isReplica() ? replicaTieBreaker : tieBreaker;
        var order = new VisitOrder(n, seed);
        for (int k = 0; k < n; k++) {
            int i = order.next();
            var node = nodes.get(i);
            if (!admits(node, ask)) {
                continue;
            }
            feasible++;
            for (int d = 0; d < tie; d++) {
                current[d] = spread[d].score(node, ask);
            }
            current[tie] = last.score(node, ask);
            if (bestIndex < 0 || better(current, best)) {
                var swap = best;
                best = current;
                current = swap;
                bestIndex = i;
            }
            if (feasible >= sample && reachesCeiling(best, ceiling)) {
                break;
            }
        }
        if (bestIndex < 0) {
            return new PlacementDecision.Unplaceable(n, explain(nodes, ask));
        }
        return new PlacementDecision.Placed(nodes.get(bestIndex).name(), best[tie]);
    }

    /** Whether {@code node} can take {@code ask} right now; used to re-check a plan against the latest state. */
    public Optional<Rejection> firstRejection(NodeSnapshot node, Ask ask) {
        for (var check : checkArray) {
            if (!check.admits(node, ask)) {
                var r = check.check(node, ask);
                if (r.isPresent()) {
                    return r;
                }
            }
        }
        return Optional.empty();
    }

    /** The reason of every node that cannot take {@code ask}, in node name order. */
    public List<Rejection> explain(List<NodeSnapshot> nodes, Ask ask) {
        var sorted = new ArrayList<>(nodes);
        sorted.sort(Comparator.comparing(NodeSnapshot::name));
        var rejections = new ArrayList<Rejection>(sorted.size());
        for (var node : sorted) {
            firstRejection(node, ask).ifPresent(rejections::add);
        }
        return rejections;
    }

    /** Feasible nodes the search compares before it may stop, for a cluster of {@code n} nodes. */
    public int sampleSize(int n) {
        if (fixedSample > 0) {
            return fixedSample;
        }
        int log2 = n <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(n - 1); // ceil(log2 n)
        return Math.max(2, log2);
    }

    private boolean admits(NodeSnapshot node, Ask ask) {
        for (var check : checkArray) {
            if (!check.admits(node, ask)) {
                return false;
            }
        }
        return true;
    }

    private SpreadScorer[] spreadScorers(Ask ask, BiFunction<String, List<NodeAttribute>, GroupCounts> groupCounts) {
        if (!ask.isReplica()) {
            return NO_SPREAD;
        }
        if (ask.preferences().isEmpty()) {
            return serviceSpreadOnly;
        }
        var scorers = new ArrayList<SpreadScorer>(LabelSpreadScorer.forPreferences(ask, groupCounts));
        scorers.add(serviceSpread);
        return scorers.toArray(SpreadScorer[]::new);
    }

    /** Lexicographic; equal (within epsilon) is not better, so the first visited keeps a tie. */
    private static boolean better(double[] a, double[] b) {
        for (int d = 0; d < a.length; d++) {
            if (a[d] > b[d] + TIE_EPSILON) {
                return true;
            }
            if (a[d] < b[d] - TIE_EPSILON) {
                return false;
            }
        }
        return false;
    }

    /** Whether no node could beat {@code best} on spreading, so the sample may end the search. */
    private static boolean reachesCeiling(double[] best, double[] ceiling) {
        for (int d = 0; d < ceiling.length; d++) {
            if (best[d] < ceiling[d]) {
                return false;
            }
        }
        return true;
    }
}
