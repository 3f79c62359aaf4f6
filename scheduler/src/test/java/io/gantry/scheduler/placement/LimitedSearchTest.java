package io.gantry.scheduler.placement;

import static io.gantry.scheduler.placement.TestNodes.GiB;
import static io.gantry.scheduler.placement.TestNodes.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The LimitIterator idea: feasible nodes are sampled, not all scored; only a hopeless ask looks at every node. */
class LimitedSearchTest {

    /** Counts how often the search asks a node anything. */
    private static final class CountingCheck implements FeasibilityCheck {
        int asked;

        @Override
        public boolean admits(NodeSnapshot node, Ask ask) {
            asked++;
            return true;
        }

        @Override
        public Optional<Rejection> check(NodeSnapshot node, Ask ask) {
            return Optional.empty();
        }
    }

    private static final class CountingScorer implements Scorer {
        int scored;

        @Override
        public double score(NodeSnapshot node, Ask ask) {
            scored++;
            return 0;
        }
    }

    private static List<NodeSnapshot> cluster(int n) {
        var nodes = new ArrayList<NodeSnapshot>(n);
        for (int i = 0; i < n; i++) {
            nodes.add(node("node-" + i, 4000, 4 * GiB));
        }
        return nodes;
    }

    @Test
    void sampleSizeIsLog2OfTheCluster() {
        var placer = Placer.standard();
        assertEquals(2, placer.sampleSize(1));
        assertEquals(2, placer.sampleSize(4));
        assertEquals(10, placer.sampleSize(1000));
        assertEquals(13, placer.sampleSize(5000));
        assertEquals(7, new Placer(List.of(), new BinPackScorer(), new BinPackScorer(), 7).sampleSize(5000));
    }

    @Test
    void aPlainContainerLooksAtOnlyTheSample() {
        var counting = new CountingCheck();
        var scorer = new CountingScorer();
        var checks = new ArrayList<FeasibilityCheck>(Placer.standardChecks());
        checks.add(counting);
        var placer = new Placer(checks, scorer);
        var d = placer.place(cluster(1000), new Ask(100, 0, List.of()), 42);
        assertInstanceOf(PlacementDecision.Placed.class, d);
        assertEquals(10, counting.asked);
        assertEquals(10, scorer.scored);
    }

    @Test
    void skipsInfeasibleNodesUntilTheSampleIsFull() {
        var nodes = new ArrayList<NodeSnapshot>();
        for (int i = 0; i < 1000; i++) {
            // only every tenth node has room
            nodes.add(i % 10 == 0 ? node("node-" + i, 4000, 4 * GiB) : node("node-" + i, 100, 4 * GiB));
        }
        var scorer = new CountingScorer();
        var d = new Placer(Placer.standardChecks(), scorer).place(nodes, new Ask(1000, 0, List.of()), 9);
        var p = assertInstanceOf(PlacementDecision.Placed.class, d);
        assertEquals(0, Integer.parseInt(p.node().substring(5)) % 10);
        assertEquals(10, scorer.scored);
    }

    @Test
    void aSmallServiceOnABigClusterStopsEarly() {
        var scorer = new CountingScorer();
        var placer = new Placer(Placer.standardChecks(), scorer);
        var nodes = new ArrayList<>(cluster(1000));
        for (int i = 0; i < 20; i++) {
            scorer.scored = 0;
            TestNodes.placeAndApply(placer, nodes, TestNodes.replica("web"), i);
            assertTrue(scorer.scored < 100, "scored " + scorer.scored + " nodes for replica " + i);
        }
    }

    @Test
    void aHopelessAskVisitsEveryNodeAndExplainsEach() {
        var counting = new CountingCheck();
        var checks = new ArrayList<FeasibilityCheck>(Placer.standardChecks());
        checks.addFirst(counting);
        var d = new Placer(checks, new BinPackScorer()).place(cluster(500), new Ask(8000, 0, List.of()), 5);
        var u = assertInstanceOf(PlacementDecision.Unplaceable.class, d);
        assertEquals(500, u.rejections().size());
        assertEquals(500, new HashSet<>(u.rejections().stream().map(Rejection::node).toList()).size());
        assertTrue(counting.asked >= 500);
        assertTrue(u.summary().startsWith("0/500 nodes: insufficient cpu (node-0: 4 cores free, 8 cores asked; node-1: "),
                u.summary());
        assertTrue(u.summary().endsWith("; and 495 more)"), u.summary());
    }

    @Test
    void theVisitOrderIsAPermutationForEverySize() {
        for (int n = 1; n <= 64; n++) {
            for (long seed = 0; seed < 20; seed++) {
                var order = new VisitOrder(n, seed);
                var seen = new HashSet<Integer>();
                for (int k = 0; k < n; k++) {
                    int i = order.next();
                    assertTrue(i >= 0 && i < n);
                    seen.add(i);
                }
                assertEquals(n, seen.size(), "n=" + n + " seed=" + seed);
            }
        }
    }

    @Test
    void differentSeedsStartInDifferentPlaces() {
        var firsts = new HashSet<Integer>();
        for (long seed = 0; seed < 100; seed++) {
            firsts.add(new VisitOrder(5000, seed).next());
        }
        assertTrue(firsts.size() > 90, "" + firsts.size());
    }
}
