package io.gantry.scheduler.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Properties of the placement core over random clusters and asks (jqwik). */
class PlacerPropertiesTest {
    private static final long MiB = 1024L * 1024;
    private static final List<String> ZONES = List.of("a", "b", "c");
    private static final HostPort P80 = new HostPort(80, "tcp");
    private static final HostPort P81 = new HostPort(81, "tcp");

    private final Placer placer = Placer.standard();

    /** One node's shape before it gets a name (names are by position so they are unique). */
    record Shape(int cpu, int memMiB, int fillPercent, int zone, boolean ready, boolean draining, int webReplicas,
                 int ports) {}

    @Provide
    Arbitrary<List<NodeSnapshot>> clusters() {
        var shape = Combinators.combine(
                Arbitraries.of(0, 500, 1000, 2000, 4000),
                Arbitraries.of(0, 256, 1024, 4096),
                Arbitraries.of(0, 0, 25, 50, 90, 100),
                Arbitraries.integers().between(0, 3), // 3 = no zone label
                Arbitraries.of(true, true, true, false),
                Arbitraries.of(false, false, false, true),
                Arbitraries.integers().between(0, 3),
                Arbitraries.integers().between(0, 3)).as(Shape::new);
        return shape.list().ofMinSize(0).ofMaxSize(14).map(PlacerPropertiesTest::build);
    }

    private static List<NodeSnapshot> build(List<Shape> shapes) {
        var nodes = new ArrayList<NodeSnapshot>(shapes.size());
        for (int i = 0; i < shapes.size(); i++) {
            var s = shapes.get(i);
            long mem = s.memMiB() * MiB;
            var ports = new HashSet<HostPort>();
            if ((s.ports() & 1) != 0) {
                ports.add(P80);
            }
            if ((s.ports() & 2) != 0) {
                ports.add(P81);
            }
            Map<String, String> labels = s.zone() < ZONES.size() ? Map.of("zone", ZONES.get(s.zone())) : Map.of();
            nodes.add(new NodeSnapshot("node-" + i, s.ready(), s.cpu(), mem, s.cpu() * s.fillPercent() / 100,
                    mem * s.fillPercent() / 100, ports, labels,
                    s.draining() ? NodeSnapshot.Availability.DRAIN : NodeSnapshot.Availability.ACTIVE,
                    s.webReplicas() == 0 ? Map.of() : Map.of("web", s.webReplicas())));
        }
        return nodes;
    }

    @Provide
    Arbitrary<Ask> asks() {
        var constraint = Arbitraries.of("node.labels.zone==a", "node.labels.zone!=a", "node.labels.zone==b",
                "node.labels.zone!=c", "node.name!=node-0", "node.name==node-1", "node.labels.rack==r1",
                "node.labels.rack!=r1").map(Constraints::parse);
        var preference = Arbitraries.of("spread=node.labels.zone", "spread=node.labels.rack").map(Constraints::parsePreference);
        Arbitrary<List<HostPort>> ports = Arbitraries.of(List.of(), List.of(), List.of(P80), List.of(P81), List.of(P80, P81));
        return Combinators.combine(
                Arbitraries.of(0L, 0L, 100L, 500L, 1000L, 3000L),
                Arbitraries.of(0L, 64 * MiB, 512 * MiB, 2048 * MiB),
                ports,
                Arbitraries.of("", "web", "db"),
                constraint.list().ofMaxSize(2),
                preference.list().ofMaxSize(2)).as(Ask::new);
    }

    @Provide
    Arbitrary<List<Ask>> askSequences() {
        return asks().list().ofMaxSize(30);
    }

    @Property(tries = 200)
    void neverOverCommitsANode(@ForAll("clusters") List<NodeSnapshot> cluster, @ForAll("askSequences") List<Ask> asks,
                               @ForAll long seed) {
        var nodes = new ArrayList<>(cluster);
        var before = new HashMap<String, NodeSnapshot>();
        nodes.forEach(n -> before.put(n.name(), n));
        for (int i = 0; i < asks.size(); i++) {
            var ask = asks.get(i);
            String at = TestNodes.placeAndApply(placer, nodes, ask, seed + i);
            if (at != null) {
                var start = before.get(at);
                var after = nodes.get(TestNodes.indexOf(nodes, at));
                if (ask.cpuMillis() > 0) {
                    assertTrue(after.allocatedCpu() <= after.cpuMillis(), after.toString());
                }
                if (ask.memoryBytes() > 0) {
                    assertTrue(after.allocatedMemory() <= after.memoryBytes(), after.toString());
                }
                assertTrue(start.allocatedCpu() <= start.cpuMillis());
            }
        }
        for (var n : nodes) {
            var start = before.get(n.name());
            // whatever was placed fit: a node only exceeds capacity if it did before or only took zero-resource asks
            assertTrue(n.allocatedCpu() <= Math.max(n.cpuMillis(), start.allocatedCpu()), n.toString());
            assertTrue(n.allocatedMemory() <= Math.max(n.memoryBytes(), start.allocatedMemory()), n.toString());
        }
    }

    @Property(tries = 200)
    void hostPortsAreNeverBoundTwice(@ForAll("clusters") List<NodeSnapshot> cluster, @ForAll("askSequences") List<Ask> asks,
                                    @ForAll long seed) {
        var nodes = new ArrayList<>(cluster);
        var bound = new HashMap<String, Set<HostPort>>();
        nodes.forEach(n -> bound.put(n.name(), new HashSet<>(n.usedHostPorts())));
        for (int i = 0; i < asks.size(); i++) {
            String at = TestNodes.placeAndApply(placer, nodes, asks.get(i), seed + i);
            if (at != null) {
                for (var p : asks.get(i).ports()) {
                    assertTrue(bound.get(at).add(p), p + " bound twice on " + at);
                }
            }
        }
    }

    @Property(tries = 500)
    void deterministicForASeed(@ForAll("clusters") List<NodeSnapshot> cluster, @ForAll("asks") Ask ask, @ForAll long seed) {
        var first = placer.place(cluster, ask, seed);
        assertEquals(first, placer.place(List.copyOf(cluster), ask, seed));
        assertEquals(first, Placer.standard().place(new ArrayList<>(cluster), ask, seed));
    }

    @Property(tries = 500)
    void placedExactlyWhenSomeNodeFitsAndEveryRejectionHasAReason(@ForAll("clusters") List<NodeSnapshot> cluster,
                                                                  @ForAll("asks") Ask ask, @ForAll long seed) {
        boolean anyFits = cluster.stream().anyMatch(n -> placer.firstRejection(n, ask).isEmpty());
        switch (placer.place(cluster, ask, seed)) {
            case PlacementDecision.Placed p -> {
                assertTrue(anyFits);
                var chosen = cluster.get(TestNodes.indexOf(cluster, p.node()));
                assertTrue(placer.firstRejection(chosen, ask).isEmpty(), "chosen node must be feasible");
            }
            case PlacementDecision.Unplaceable u -> {
                assertFalse(anyFits);
                assertEquals(cluster.size(), u.nodeCount());
                assertEquals(cluster.size(), u.rejections().size());
                assertEquals(cluster.stream().map(NodeSnapshot::name).collect(java.util.stream.Collectors.toSet()),
                        u.rejections().stream().map(Rejection::node).collect(java.util.stream.Collectors.toSet()));
                for (var r : u.rejections()) {
                    assertFalse(r.reason().isBlank());
                    assertFalse(r.category().isBlank());
                }
                assertTrue(u.summary().startsWith("0/" + cluster.size() + " nodes: "), u.summary());
                assertFalse(u.summary().contains("\n"));
            }
        }
    }

    @Property(tries = 500)
    void constraintsHoldAndDrainedOrDownNodesAreNeverChosen(@ForAll("clusters") List<NodeSnapshot> cluster,
                                                            @ForAll("asks") Ask ask, @ForAll long seed) {
        if (placer.place(cluster, ask, seed) instanceof PlacementDecision.Placed p) {
            var chosen = cluster.get(TestNodes.indexOf(cluster, p.node()));
            assertTrue(chosen.ready());
            assertFalse(chosen.draining());
            for (var c : ask.constraints()) {
                String actual = c.attribute().valueOf(chosen);
                boolean eq = c.value().equals(actual);
                assertTrue(c.op() == PlacementConstraint.Op.EQ ? eq : !eq, c + " on " + chosen);
            }
        }
    }

    @Property(tries = 500)
    void aReplicaGoesToAFeasibleNodeWithTheFewestReplicasOfItsService(@ForAll("clusters") List<NodeSnapshot> cluster,
                                                                       @ForAll("asks") Ask generated, @ForAll long seed) {
        var ask = new Ask(generated.cpuMillis(), generated.memoryBytes(), generated.ports(), "web", generated.constraints(),
                List.of());
        if (placer.place(cluster, ask, seed) instanceof PlacementDecision.Placed p) {
            int fewest = cluster.stream().filter(n -> placer.firstRejection(n, ask).isEmpty())
                    .mapToInt(n -> n.replicasOf("web")).min().orElseThrow();
            assertEquals(fewest, cluster.get(TestNodes.indexOf(cluster, p.node())).replicasOf("web"));
        }
    }

    @Property(tries = 200)
    void aRoundDecidesExactlyLikeThePlacerOverItsNodes(@ForAll("clusters") List<NodeSnapshot> cluster,
                                                       @ForAll("askSequences") List<Ask> asks, @ForAll long seed) {
        var shuffled = new ArrayList<>(cluster);
        java.util.Collections.shuffle(shuffled, new java.util.Random(seed));
        var round = placer.round(shuffled);
        var nodes = new ArrayList<>(cluster);
        nodes.sort(java.util.Comparator.comparing(NodeSnapshot::name));
        for (int i = 0; i < asks.size(); i++) {
            var ask = asks.get(i);
            var d = round.place(ask, seed + i);
            assertEquals(placer.place(nodes, ask, seed + i), d);
            if (d instanceof PlacementDecision.Placed p) {
                round.add(p.node(), ask);
                int at = TestNodes.indexOf(nodes, p.node());
                nodes.set(at, nodes.get(at).plus(ask));
            }
            assertEquals(nodes, round.nodes());
        }
    }

    @Property(tries = 100)
    void kTimesNReplicasOnNEqualNodesGiveEachExactlyK(@ForAll @IntRange(min = 1, max = 20) int n,
                                                     @ForAll @IntRange(min = 1, max = 5) int k, @ForAll long seed) {
        var nodes = new ArrayList<NodeSnapshot>();
        for (int i = 0; i < n; i++) {
            nodes.add(TestNodes.node("node-" + i, 64_000, 64L * 1024 * MiB));
        }
        for (int r = 0; r < k * n; r++) {
            assertNotNull(TestNodes.placeAndApply(placer, nodes, TestNodes.replica("web"), seed * 31 + r));
        }
        for (var node : nodes) {
            assertEquals(k, node.replicasOf("web"), node.name());
        }
    }

    @Property(tries = 100)
    void zoneSpreadIsEvenOverEqualZones(@ForAll @IntRange(min = 1, max = 4) int zones,
                                        @ForAll @IntRange(min = 1, max = 4) int nodesPerZone,
                                        @ForAll @IntRange(min = 1, max = 6) int perZone, @ForAll long seed) {
        var nodes = new ArrayList<NodeSnapshot>();
        for (int z = 0; z < zones; z++) {
            for (int i = 0; i < nodesPerZone; i++) {
                nodes.add(TestNodes.labelled("z" + z + "-" + i, Map.of("zone", "z" + z)));
            }
        }
        var ask = TestNodes.spreadReplica("web", "spread=node.labels.zone");
        for (int r = 0; r < zones * perZone; r++) {
            assertNotNull(TestNodes.placeAndApply(placer, nodes, ask, seed + r));
        }
        var perZoneCount = new HashMap<String, Integer>();
        for (var node : nodes) {
            perZoneCount.merge(node.labels().get("zone"), node.replicasOf("web"), Integer::sum);
            // within a zone too, nodes differ by at most one replica
            int here = node.replicasOf("web");
            int min = nodes.stream().filter(m -> m.labels().equals(node.labels())).mapToInt(m -> m.replicasOf("web")).min().orElseThrow();
            assertTrue(here - min <= 1, node + " vs min " + min);
        }
        perZoneCount.values().forEach(c -> assertEquals(perZone, c));
    }
}
