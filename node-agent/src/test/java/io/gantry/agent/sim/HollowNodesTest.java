package io.gantry.agent.sim;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gantry.agent.AgentConfig;
import io.gantry.agent.FakeScheduler;
import io.gantry.agent.NodeAgent;
import io.gantry.proto.AgentMessage;
import io.gantry.proto.Assignment;
import io.gantry.proto.Assignments;
import io.gantry.proto.ContainerState;
import io.gantry.proto.DesiredState;
import io.gantry.proto.SchedulerMessage;
import io.gantry.proto.WorkloadSpec;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hollow agents: the real agent protocol against the in-process fake scheduler, on shared threads. */
class HollowNodesTest {

    @Test
    void aHollowAgentRegistersHeartbeatsAndRunsItsAssignments() throws Exception {
        try (var scheduler = new FakeScheduler(); var shared = new SharedResources(1, 1)) {
            var config = AgentConfig.defaults(List.of("inprocess:" + scheduler.name), "hollow-1", Path.of("/nonexistent"));
            NodeAgent agent = NodeAgent.simulated(config, SimSettings.defaults().withStartLatency(Duration.ofMillis(20))
                    .withCapacity(8000, 16L << 30), Clock.systemUTC(), shared);
            agent.start();
            assertTrue(agent.awaitRegistered(Duration.ofSeconds(10)));
            var register = scheduler.snapshot().getFirst().getRegister();
            assertEquals("hollow-1", register.getNodeName());
            assertEquals(8000, register.getCpuMillis());
            assertEquals(16L << 30, register.getMemoryBytes());
            await().atMost(Duration.ofSeconds(5)).until(() -> scheduler.snapshot().stream().anyMatch(AgentMessage::hasHeartbeat));

            scheduler.send(SchedulerMessage.newBuilder().setAssignments(Assignments.newBuilder().addAssignments(
                    Assignment.newBuilder().setWorkloadId("w1").setPlacementVersion(1).setDesired(DesiredState.DESIRED_RUNNING)
                            .setSpec(WorkloadSpec.newBuilder().setImage("busybox")))).build());
            await().atMost(Duration.ofSeconds(5)).until(() -> scheduler.snapshot().stream().anyMatch(m ->
                    m.hasStatus() && m.getStatus().getState() == ContainerState.RUNNING));
            // An empty desired set: the container goes.
            scheduler.send(SchedulerMessage.newBuilder().setAssignments(Assignments.getDefaultInstance()).build());
            await().atMost(Duration.ofSeconds(5)).until(() -> scheduler.snapshot().stream().anyMatch(m ->
                    m.hasStatus() && m.getStatus().getState() == ContainerState.REMOVED));
            assertThrows(IllegalStateException.class, agent::runtime);
            agent.close();
        }
    }

    @Test
    void manyHollowAgentsShareAFewThreads() throws Exception {
        try (var scheduler = new FakeScheduler();
             var nodes = HollowNodes.start(List.of("inprocess:" + scheduler.name), 300, "h", 3, SimSettings.defaults(),
                     new SharedResources(2, 2), Clock.systemUTC())) {
            assertEquals(300, nodes.awaitRegistered(Duration.ofSeconds(20)));
            // One timer and two workers for all of them; none of the per-agent threads a real agent has.
            var agentThreads = Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                    .filter(n -> n.startsWith("gantry-")).sorted().toList();
            assertTrue(java.util.Set.of("gantry-hollow-timer", "gantry-hollow-worker-1", "gantry-hollow-worker-2")
                    .containsAll(agentThreads) && agentThreads.size() <= 3, agentThreads.toString());
            assertEquals(300, scheduler.snapshot().stream().filter(AgentMessage::hasRegister).count());
        }
    }
}
