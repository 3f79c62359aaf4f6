package io.gantry.scheduler.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PlacerTest {
    private static final long MiB = 1024L * 1024;
    private static final long GiB = 1024 * MiB;
    private final Placer placer = Placer.standard();

    private static NodeSnapshot node(String name, long cpu, long mem, long allocCpu, long allocMem) {
        return new NodeSnapshot(name, true, cpu, mem, allocCpu, allocMem, Set.of(), Map.of());
    }

    @Test
    void placesOnANodeThatFits() {
        var d = placer.place(List.of(node("node-1", 2000, 2 * GiB, 0, 0)), new Ask(1000, GiB, List.of()), 1);
        var placed = assertInstanceOf(PlacementDecision.Placed.class, d);
        assertEquals("node-1", placed.node());
        assertEquals(0.5, placed.score(), 1e-9);
    }

    @Test
    void binPackingPrefersTheFullestNodeThatFits() {
        var nodes = List.of(
                node("empty", 4000, 4 * GiB, 0, 0),
                node("half", 4000, 4 * GiB, 2000, 2 * GiB),
                node("too-full", 4000, 4 * GiB, 3500, 3900 * MiB));
        var d = placer.place(nodes, new Ask(1000, GiB, List.of()), 7);
        assertEquals("half", assertInstanceOf(PlacementDecision.Placed.class, d).node());
    }

    @Test
    void reasonLineNamesTheNodeAndHumanUnits() {
        var d = placer.place(List.of(node("node-1", 4000, GiB, 0, 512 * MiB)), new Ask(0, GiB, List.of()), 1);
        var u = assertInstanceOf(PlacementDecision.Unplaceable.class, d);
        assertEquals("0/1 nodes: insufficient memory (node-1: 512 MiB free, 1 GiB asked)", u.summary());
        assertEquals("insufficient memory (512 MiB free, 1 GiB asked)", u.rejections().getFirst().reason());
    }

    @Test
    void identicalReasonsAreGroupedAndEveryNodeHasOne() {
        var down = new NodeSnapshot("node-3", false, 8000, 8 * GiB, 0, 0, Set.of(), Map.of());
        var ported = new NodeSnapshot("node-4", true, 8000, 8 * GiB, 0, 0, Set.of(new HostPort(80, "tcp")), Map.of());
        var d = placer.place(List.of(node("node-2", 500, 4 * GiB, 0, 0), node("node-1", 1500, 4 * GiB, 1000, 0), down, ported),
                new Ask(2000, GiB, List.of(new HostPort(80, "tcp"))), 1);
        var u = assertInstanceOf(PlacementDecision.Unplaceable.class, d);
        assertEquals(4, u.rejections().size());
        assertEquals("0/4 nodes: insufficient cpu (node-1: 0.5 cores free, 2 cores asked; node-2: 0.5 cores free, 2 cores asked),"
                + " node not ready (node-3), host port already in use (node-4: 80/tcp)", u.summary());
    }

    @Test
    void noNodesAtAll() {
        var u = assertInstanceOf(PlacementDecision.Unplaceable.class, placer.place(List.of(), new Ask(0, 0, List.of()), 1));
        assertEquals("0/0 nodes: no nodes registered", u.summary());
    }

    @Test
    void humanUnits() {
        assertEquals("0 B", HumanUnits.bytes(0));
        assertEquals("1.5 KiB", HumanUnits.bytes(1536));
        assertEquals("1 GiB", HumanUnits.bytes(GiB));
        assertEquals("1 core", HumanUnits.cores(1000));
        assertEquals("0.25 cores", HumanUnits.cores(250));
        assertEquals("0.001 cores", HumanUnits.cores(1));
        assertEquals("12.5 cores", HumanUnits.cores(12_500));
        assertEquals("0 cores", HumanUnits.cores(0));
        assertEquals("1023 B", HumanUnits.bytes(1023));
        assertEquals("1 KiB", HumanUnits.bytes(1024 + 40)); // 1.04 rounds to 1.0
        assertEquals("1.1 KiB", HumanUnits.bytes(1024 + 60)); // 1.06 rounds up
        assertEquals("512 MiB", HumanUnits.bytes(512 * MiB));
        assertEquals("1.5 GiB", HumanUnits.bytes(GiB + 512 * MiB));
        assertEquals("2 PiB", HumanUnits.bytes(2048L * 1024 * GiB));
    }

    @Test
    void sameInputAndSeedGiveTheSameDecisionAndSeedsSpreadTies() {
        var nodes = new ArrayList<NodeSnapshot>();
        for (int i = 0; i < 20; i++) {
            nodes.add(node("node-" + i, 4000, 4 * GiB, 0, 0)); // all tie
        }
        var ask = new Ask(500, 256 * MiB, List.of());
        var seen = new HashMap<Long, String>();
        for (long seed = 0; seed < 50; seed++) {
            var first = placer.place(nodes, ask, seed);
            assertEquals(first, placer.place(List.copyOf(nodes), ask, seed));
            assertEquals(first, Placer.standard().place(nodes, ask, seed));
            seen.put(seed, ((PlacementDecision.Placed) first).node());
        }
        assertTrue(seen.values().stream().distinct().count() > 5, "the seed should actually spread ties: " + seen);
    }

    @Test
    void longReasonListsAreCut() {
        var nodes = new ArrayList<NodeSnapshot>();
        for (int i = 0; i < 8; i++) {
            nodes.add(node("node-" + i, 500, GiB, 0, 0));
        }
        var u = assertInstanceOf(PlacementDecision.Unplaceable.class, placer.place(nodes, new Ask(1000, 0, List.of()), 1));
        assertEquals(8, u.rejections().size());
        assertEquals("0/8 nodes: insufficient cpu (node-0: 0.5 cores free, 1 core asked; node-1: 0.5 cores free, 1 core asked;"
                + " node-2: 0.5 cores free, 1 core asked; node-3: 0.5 cores free, 1 core asked;"
                + " node-4: 0.5 cores free, 1 core asked; and 3 more)", u.summary());
    }

    @Test
    void repeatedPlacementNeverOverCommits() {
        var rnd = new Random(3);
        var nodes = new ArrayList<NodeSnapshot>();
        for (int i = 0; i < 5; i++) {
            nodes.add(node("n" + i, 1000 + rnd.nextInt(4000), (1 + rnd.nextInt(4)) * GiB, 0, 0));
        }
        int placed = 0;
        for (int i = 0; i < 300; i++) {
            var ask = new Ask(rnd.nextInt(800), rnd.nextInt(700) * MiB, List.of(new HostPort(8000 + rnd.nextInt(40), "tcp")));
            var d = placer.place(nodes, ask, i);
            if (d instanceof PlacementDecision.Placed p) {
                placed++;
                int idx = indexOf(nodes, p.node());
                nodes.set(idx, nodes.get(idx).plus(ask));
            }
        }
        assertTrue(placed > 5);
        for (var n : nodes) {
            assertTrue(n.allocatedCpu() <= n.cpuMillis(), n.toString());
            assertTrue(n.allocatedMemory() <= n.memoryBytes(), n.toString());
        }
    }

    private static int indexOf(List<NodeSnapshot> nodes, String name) {
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i).name().equals(name)) {
                return i;
            }
        }
        throw new AssertionError(name);
    }
}
