package io.gantry.agent;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gantry.agent.sim.SharedResources;
import io.gantry.agent.sim.SimSettings;
import io.gantry.proto.AgentMessage;
import io.gantry.proto.Assignment;
import io.gantry.proto.Assignments;
import io.gantry.proto.ContainerState;
import io.gantry.proto.DesiredState;
import io.gantry.proto.ExecOp;
import io.gantry.proto.SchedulerMessage;
import io.gantry.proto.SessionFrame;
import io.gantry.proto.SessionOpen;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Session frames through the real AgentLink stream: in as SchedulerMessage.session, out as AgentMessage.session. */
class AgentSessionTest {
    @TempDir
    Path tmp;

    private static List<SessionFrame> frames(FakeScheduler s, long id) {
        return s.snapshot().stream().filter(AgentMessage::hasSession).map(AgentMessage::getSession)
                .filter(f -> f.getSessionId() == id).toList();
    }

    private static SchedulerMessage exec(String id, long session, String... cmd) {
        return SchedulerMessage.newBuilder().setSession(SessionFrame.newBuilder().setSessionId(session).setOpen(
                SessionOpen.newBuilder().setWorkloadId(id).setPlacementVersion(1).setExec(ExecOp.newBuilder().addAllCommand(List.of(cmd))))).build();
    }

    @Test
    void execThroughTheStreamAndABrokenStreamKillsWhatSessionsStarted() throws Exception {
        RuntimeFixture fx = new RuntimeFixture(tmp);
        FakeScheduler scheduler = new FakeScheduler();
        NodeAgent agent = new NodeAgent(AgentConfig.defaults(List.of(scheduler.address()), "node-1", fx.dataDir)
                .withRuncRoot(fx.runcRoot).withCgroupParent(fx.cgroupParent).withLabels(Map.of()), fx.images, Clock.systemUTC());
        try {
            agent.start();
            assertTrue(agent.awaitRegistered(Duration.ofSeconds(10)));
            String id = RuntimeFixture.newId();
            scheduler.send(SchedulerMessage.newBuilder().setAssignments(Assignments.newBuilder().addAssignments(
                    Assignment.newBuilder().setWorkloadId(id).setPlacementVersion(1).setDesired(DesiredState.DESIRED_RUNNING)
                            .setSpec(RuntimeFixture.sh("sleep 1000")))).build());
            await().atMost(Duration.ofSeconds(20)).until(() -> agent.runtime().status(id)
                    .map(s -> s.getState() == ContainerState.RUNNING).orElse(false));

            scheduler.send(exec(id, 1, "echo", "hi"));
            await().atMost(Duration.ofSeconds(10)).until(() -> frames(scheduler, 1).stream().anyMatch(SessionFrame::hasExit));
            assertEquals("hi\n", frames(scheduler, 1).getFirst().getStdout().toStringUtf8());
            assertEquals(0, frames(scheduler, 1).getLast().getExit().getExitCode());

            scheduler.send(exec(id, 2, "sleep", "100"));
            await().atMost(Duration.ofSeconds(10)).until(() -> agent.runtime().oci().pids(id).size() == 2);
            scheduler.close(); // the stream breaks: nobody can see session 2 any more
            await().atMost(Duration.ofSeconds(10)).until(() -> agent.runtime().oci().pids(id).size() == 1);
            await().atMost(Duration.ofSeconds(5)).until(() -> agent.activeSessions() == 0);
        } finally {
            agent.removeAllContainers();
            agent.close();
            scheduler.close();
            fx.assertClean();
        }
    }

    @Test
    void hollowNodesAnswerSessionsWithAClearError() throws Exception {
        try (var scheduler = new FakeScheduler(); var shared = new SharedResources(1, 1)) {
            NodeAgent agent = NodeAgent.simulated(AgentConfig.defaults(List.of(scheduler.address()), "hollow-1", Path.of("/nonexistent")),
                    SimSettings.defaults(), Clock.systemUTC(), shared);
            agent.start();
            assertTrue(agent.awaitRegistered(Duration.ofSeconds(10)));
            scheduler.send(exec("w1", 9, "true"));
            await().atMost(Duration.ofSeconds(5)).until(() -> frames(scheduler, 9).stream().anyMatch(SessionFrame::hasExit));
            assertEquals("exec is not supported by the simulated runtime", frames(scheduler, 9).getLast().getExit().getError());
            agent.close();
        }
    }
}
