package io.gantry.scheduler.placement;

import static io.gantry.scheduler.placement.TestNodes.labelled;
import static io.gantry.scheduler.placement.TestNodes.node;
import static io.gantry.scheduler.placement.TestNodes.placeAndApply;
import static io.gantry.scheduler.placement.TestNodes.replica;
import static io.gantry.scheduler.placement.TestNodes.spreadReplica;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SpreadTest {
    private final Placer placer = Placer.standard();

    @Test
    void replicasSpreadOverNodesEvenWhenBinPackingWouldStack() {
        var nodes = new ArrayList<NodeSnapshot>();
        nodes.add(node("big", 16000, 16 * TestNodes.GiB));
        nodes.add(node("small-1", 1000, TestNodes.GiB));
        nodes.add(node("small-2", 1000, TestNodes.GiB));
        for (int i = 0; i < 3; i++) {
            assertNotNull(placeAndApply(placer, nodes, replica("web"), i));
        }
        nodes.forEach(n -> assertEquals(1, n.replicasOf("web"), n.name()));
    }

    @Test
    void plainContainersStillBinPack() {
        var nodes = new ArrayList<NodeSnapshot>(List.of(node("a", 1000, TestNodes.GiB), node("b", 1000, TestNodes.GiB)));
        var ask = new Ask(100, 0, List.of());
        String first = placeAndApply(placer, nodes, ask, 1);
        for (int i = 2; i < 8; i++) {
            assertEquals(first, placeAndApply(placer, nodes, ask, i), "a plain container joins the fuller node");
        }
    }

    @Test
    void evenlySpreadReplicasGoToTheLeastLoadedNode() {
        var nodes = new ArrayList<NodeSnapshot>(List.of(
                new NodeSnapshot("busy", true, 4000, 4 * TestNodes.GiB, 3000, 3 * TestNodes.GiB, java.util.Set.of(), Map.of()),
                node("idle", 4000, 4 * TestNodes.GiB)));
        for (long seed = 0; seed < 10; seed++) {
            assertEquals("idle", assertPlaced(placer.place(nodes, replica("web"), seed)));
        }
    }

    @Test
    void aRoundDecidesLikeThePlacerAndTracksItsPlacements() {
        var nodes = new ArrayList<NodeSnapshot>();
        for (int i = 0; i < 12; i++) {
            nodes.add(labelled("node-" + i, i % 4 == 0 ? Map.of() : Map.of("zone", "z" + (i % 3))));
        }
        var round = placer.round(nodes);
        for (int i = 0; i < 40; i++) {
            var ask = i % 3 == 0 ? new Ask(50, 0, List.of()) : spreadReplica(i % 2 == 0 ? "web" : "db", "spread=node.labels.zone");
            var expected = placer.place(round.nodes(), ask, i);
            var d = round.place(ask, i);
            assertEquals(expected, d);
            round.add(assertPlaced(d), ask);
        }
        assertEquals(14 * 50 + 26 * 100, round.nodes().stream().mapToLong(NodeSnapshot::allocatedCpu).sum());
        assertEquals(26, round.nodes().stream().mapToInt(n -> n.replicasOf("web") + n.replicasOf("db")).sum());
    }

    @Test
    void aRoundSearchesOnceForReplicasThatCannotBePlacedUntilSomethingChanges() {
        var round = placer.round(List.of(node("n1", 4000, TestNodes.GiB), node("n2", 4000, TestNodes.GiB)));
        var tooBig = new Ask(100, 2 * TestNodes.GiB, List.of(), "web", List.of(), List.of());
        var first = org.junit.jupiter.api.Assertions.assertInstanceOf(PlacementDecision.Unplaceable.class, round.place(tooBig, 1));
        org.junit.jupiter.api.Assertions.assertSame(first, round.place(tooBig, 2));
        assertEquals("0/2 nodes: insufficient memory (n1: 1 GiB free, 2 GiB asked; n2: 1 GiB free, 2 GiB asked)", first.summary());

        round.add("n1", new Ask(0, 512 * TestNodes.MiB, List.of()));
        var after = org.junit.jupiter.api.Assertions.assertInstanceOf(PlacementDecision.Unplaceable.class, round.place(tooBig, 3));
        assertEquals("0/2 nodes: insufficient memory (n1: 512 MiB free, 2 GiB asked; n2: 1 GiB free, 2 GiB asked)", after.summary());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> round.add("n9", tooBig));
    }

    private static String assertPlaced(PlacementDecision d) {
        return org.junit.jupiter.api.Assertions.assertInstanceOf(PlacementDecision.Placed.class, d).node();
    }

    @Test
    void otherServicesDoNotCount() {
        var nodes = new ArrayList<NodeSnapshot>(List.of(
                node("a", 4000, 4 * TestNodes.GiB).withReplicas(Map.of("db", 5)),
                node("b", 4000, 4 * TestNodes.GiB).withReplicas(Map.of("web", 1))));
        assertEquals("a", placeAndApply(placer, nodes, replica("web"), 7));
    }

    @Test
    void spreadOverZonesThenNodes() {
        // zone a has 3 nodes, zone b one, and one node has no zone label: 3 groups
        var nodes = new ArrayList<NodeSnapshot>(List.of(
                labelled("a1", Map.of("zone", "a")), labelled("a2", Map.of("zone", "a")), labelled("a3", Map.of("zone", "a")),
                labelled("b1", Map.of("zone", "b")), labelled("none", Map.of())));
        var perGroup = new TreeMap<String, Integer>();
        for (int i = 0; i < 6; i++) {
            String at = placeAndApply(placer, nodes, spreadReplica("web", "spread=node.labels.zone"), i);
            perGroup.merge(at.equals("none") ? "none" : at.substring(0, 1), 1, Integer::sum);
        }
        assertEquals(Map.of("a", 2, "b", 2, "none", 2), perGroup);
        // within zone a, the two replicas went to different nodes
        int aNodesUsed = (int) nodes.stream().filter(n -> n.name().startsWith("a") && n.replicasOf("web") > 0).count();
        assertEquals(2, aNodesUsed);
    }

    @Test
    void existingReplicasOnInfeasibleNodesStillCountForTheirGroup() {
        var nodes = new ArrayList<NodeSnapshot>(List.of(
                labelled("a1", Map.of("zone", "a")).withReplicas(Map.of("web", 2)).withAvailability(NodeSnapshot.Availability.DRAIN),
                labelled("a2", Map.of("zone", "a")),
                labelled("b1", Map.of("zone", "b")).withReplicas(Map.of("web", 1))));
        assertEquals("b1", placeAndApply(placer, nodes, spreadReplica("web", "spread=node.labels.zone"), 1));
    }

    @Test
    void nestedPreferences() {
        var nodes = new ArrayList<NodeSnapshot>();
        for (String zone : List.of("a", "b")) {
            for (String rack : List.of("r1", "r2")) {
                for (int i = 0; i < 3; i++) {
                    nodes.add(labelled(zone + "-" + rack + "-" + i, Map.of("zone", zone, "rack", rack)));
                }
            }
        }
        var perZoneRack = new HashMap<String, Integer>();
        for (int i = 0; i < 8; i++) {
            String at = placeAndApply(placer, nodes, spreadReplica("web", "spread=node.labels.zone", "spread=node.labels.rack"), i);
            perZoneRack.merge(at.substring(0, 4), 1, Integer::sum);
        }
        assertEquals(Map.of("a-r1", 2, "a-r2", 2, "b-r1", 2, "b-r2", 2), perZoneRack);
    }
}
