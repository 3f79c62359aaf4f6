package io.gantry.scheduler.placement;

import static io.gantry.scheduler.placement.TestNodes.GiB;
import static io.gantry.scheduler.placement.TestNodes.MiB;
import static io.gantry.scheduler.placement.TestNodes.constrained;
import static io.gantry.scheduler.placement.TestNodes.labelled;
import static io.gantry.scheduler.placement.TestNodes.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gantry.proto.Constraint;
import io.gantry.proto.PlacementPreference;
import io.gantry.proto.PortMapping;
import io.gantry.proto.Resources;
import io.gantry.proto.Workload;
import io.gantry.proto.WorkloadSpec;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChecksTest {
    private final Placer placer = Placer.standard();

    @Test
    void drainingNodeGetsNothingNew() {
        var drained = node("node-1", 4000, 4 * GiB).withAvailability(NodeSnapshot.Availability.DRAIN);
        var ask = new Ask(100, MiB, List.of());
        assertEquals("node is draining", placer.firstRejection(drained, ask).orElseThrow().reason());
        var d = placer.place(List.of(drained, node("node-2", 100, MiB)), ask, 3);
        assertEquals("node-2", assertInstanceOf(PlacementDecision.Placed.class, d).node());
        var u = assertInstanceOf(PlacementDecision.Unplaceable.class, placer.place(List.of(drained), ask, 3));
        assertEquals("0/1 nodes: node is draining (node-1)", u.summary());
    }

    @Test
    void constraintReasonsShowWhatTheNodeHas() {
        var nodes = List.of(
                labelled("node-1", Map.of("zone", "b")),
                labelled("node-2", Map.of()),
                labelled("node-3", Map.of("zone", "c")));
        var u = assertInstanceOf(PlacementDecision.Unplaceable.class, placer.place(nodes, constrained("node.labels.zone == a"), 1));
        assertEquals("0/3 nodes: constraint node.labels.zone==a not met (node-1: zone=b; node-2: no label zone; node-3: zone=c)",
                u.summary());
        assertEquals("constraint node.labels.zone==a not met (zone=b)", u.rejections().getFirst().reason());
    }

    @Test
    void constraintsPickTheMatchingNode() {
        var nodes = List.of(
                labelled("node-1", Map.of("zone", "a")),
                labelled("node-2", Map.of("zone", "b")),
                labelled("node-3", Map.of()));
        for (long seed = 0; seed < 20; seed++) {
            assertEquals("node-2", placed(placer.place(nodes, constrained("node.labels.zone==b"), seed)));
            assertEquals("node-1", placed(placer.place(nodes, constrained("node.labels.zone!=b", "node.name!=node-3"), seed)));
            assertTrue(Set.of("node-1", "node-3").contains(placed(placer.place(nodes, constrained("node.labels.zone!=b"), seed))));
        }
    }

    @Test
    void mixedReasonsLikeTheIssueExample() {
        var nodes = List.of(
                labelled("node-1", Map.of("zone", "a")),
                labelled("node-2", Map.of("zone", "b")),
                new NodeSnapshot("node-3", true, 4000, 4 * GiB, 0, 4 * GiB - MiB, Set.of(), Map.of("zone", "x")));
        var u = assertInstanceOf(PlacementDecision.Unplaceable.class, placer.place(nodes, constrained("node.labels.zone==x"), 1));
        assertEquals("0/3 nodes: constraint node.labels.zone==x not met (node-1: zone=a; node-2: zone=b),"
                + " insufficient memory (node-3: 1 MiB free, 64 MiB asked)", u.summary());
    }

    @Test
    void fastAndExplainingPathsAgree() {
        var port = new HostPort(80, "tcp");
        var nodes = List.of(node("a", 1000, GiB), node("b", 0, 0),
                new NodeSnapshot("c", false, 1000, GiB, 0, 0, Set.of(port), Map.of("zone", "a")),
                node("d", 1000, GiB).withAvailability(NodeSnapshot.Availability.DRAIN));
        var asks = List.of(new Ask(0, 0, List.of()), new Ask(500, 512 * MiB, List.of(port)), constrained("node.labels.zone==a"),
                constrained("node.name!=a"), new Ask(2000, 0, List.of()));
        for (var check : Placer.standardChecks()) {
            for (var n : nodes) {
                for (var a : asks) {
                    assertEquals(check.check(n, a).isEmpty(), check.admits(n, a), check + " " + n + " " + a);
                }
            }
        }
    }

    @Test
    void askOfAStoredWorkload() {
        var w = Workload.newBuilder().setService("web").setSpec(WorkloadSpec.newBuilder()
                .setResources(Resources.newBuilder().setCpuMillis(250).setMemoryBytes(64 * MiB))
                .addPorts(PortMapping.newBuilder().setHostPort(8080).setContainerPort(80).setProtocol("tcp"))
                .addPorts(PortMapping.newBuilder().setContainerPort(81))
                .addConstraints(Constraint.newBuilder().setAttribute("node.labels.zone").setOp(Constraint.Op.NE).setValue("b"))
                .addPreferences(PlacementPreference.newBuilder().setSpread("node.labels.rack"))).build();
        var ask = Ask.of(w);
        assertEquals(250, ask.cpuMillis());
        assertEquals(64 * MiB, ask.memoryBytes());
        assertEquals(List.of(new HostPort(8080, "tcp")), ask.ports());
        assertEquals("web", ask.service());
        assertEquals(List.of(Constraints.parse("node.labels.zone!=b")), ask.constraints());
        assertEquals(List.of(Constraints.parsePreference("spread=node.labels.rack")), ask.preferences());
    }

    @Test
    void plusCountsTheServiceAndKeepsTheRest() {
        var n = labelled("n", Map.of("zone", "a")).withAvailability(NodeSnapshot.Availability.DRAIN);
        var after = n.plus(TestNodes.replica("web")).plus(TestNodes.replica("web")).plus(TestNodes.replica("db"))
                .plus(new Ask(1, 1, List.of()));
        assertEquals(Map.of("web", 2, "db", 1), after.replicas());
        assertEquals(2, after.replicasOf("web"));
        assertEquals(0, after.replicasOf(""));
        assertEquals(301, after.allocatedCpu());
        assertEquals(Map.of("zone", "a"), after.labels());
        assertEquals(NodeSnapshot.Availability.DRAIN, after.availability());
    }

    private static String placed(PlacementDecision d) {
        return assertInstanceOf(PlacementDecision.Placed.class, d).node();
    }
}
