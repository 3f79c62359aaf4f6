package io.gantry.agent;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gantry.proto.AgentMessage;
import io.gantry.proto.Assignment;
import io.gantry.proto.Assignments;
import io.gantry.proto.ContainerState;
import io.gantry.proto.ContainerStatus;
import io.gantry.proto.DesiredState;
import io.gantry.proto.SchedulerMessage;
import io.gantry.proto.Signal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kill (one-shot Signal), pause (desired PAUSED) and restart (a new placement version) through the agent's stream. */
class AgentLifecycleTest {
    @TempDir
    Path tmp;
    RuntimeFixture fx;
    FakeScheduler scheduler;
    NodeAgent agent;

    @BeforeEach
    void setUp() throws Exception {
        fx = new RuntimeFixture(tmp);
        scheduler = new FakeScheduler();
        AgentConfig config = AgentConfig.defaults(List.of(scheduler.address()), "node-1", fx.dataDir)
                .withRuncRoot(fx.runcRoot).withCgroupParent(fx.cgroupParent).withLabels(Map.of());
        agent = new NodeAgent(config, fx.images, Clock.systemUTC());
        agent.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> agent.awaitRegistered(Duration.ofSeconds(1)));
    }

    @AfterEach
    void tearDown() throws Exception {
        agent.removeAllContainers();
        agent.close();
        scheduler.close();
        fx.assertClean();
    }

    private ContainerStatus last(String id, long version) {
        var all = scheduler.snapshot().stream().filter(AgentMessage::hasStatus).map(AgentMessage::getStatus)
                .filter(s -> s.getWorkloadId().equals(id) && s.getPlacementVersion() == version).toList();
        return all.isEmpty() ? null : all.getLast();
    }

    private boolean is(String id, long version, ContainerState state) {
        var s = last(id, version);
        return s != null && s.getState() == state;
    }

    private void assign(Assignment a) {
        scheduler.send(SchedulerMessage.newBuilder().setAssignments(Assignments.newBuilder().addAssignments(a)).build());
    }

    private static Assignment.Builder run(String id, String script, long version) {
        return Assignment.newBuilder().setWorkloadId(id).setPlacementVersion(version).setDesired(DesiredState.DESIRED_RUNNING)
                .setSpec(RuntimeFixture.sh(script));
    }

    @Test
    void signalMessageIsDelivered() {
        String id = RuntimeFixture.newId();
        assign(run(id, "trap 'exit 4' USR1; while true; do sleep 0.1; done", 1).build());
        await().atMost(Duration.ofSeconds(20)).until(() -> is(id, 1, ContainerState.RUNNING));
        scheduler.send(SchedulerMessage.newBuilder().setSignal(Signal.newBuilder().setWorkloadId(id).setPlacementVersion(1)
                .setSignal("SIGUSR1")).build());
        await().atMost(Duration.ofSeconds(10)).until(() -> is(id, 1, ContainerState.EXITED));
        assertEquals(4, last(id, 1).getExitCode());
    }

    @Test
    void pausedByDesiredStateAndResumed() {
        String id = RuntimeFixture.newId();
        var a = run(id, "while true; do sleep 0.1; done", 1);
        assign(a.build());
        await().atMost(Duration.ofSeconds(20)).until(() -> is(id, 1, ContainerState.RUNNING));
        assign(a.setDesired(DesiredState.DESIRED_PAUSED).build());
        await().atMost(Duration.ofSeconds(10)).until(() -> is(id, 1, ContainerState.PAUSED));
        assign(a.setDesired(DesiredState.DESIRED_RUNNING).build());
        await().atMost(Duration.ofSeconds(10)).until(() -> is(id, 1, ContainerState.RUNNING));
    }

    @Test
    void newPlacementVersionRestartsWithAGracefulStopFirst() {
        String id = RuntimeFixture.newId();
        // the old container leaves a mark on its stop signal: SIGTERM handled means a graceful stop
        var a = run(id, "trap 'exit 3' TERM; while true; do sleep 0.1; done", 1).setStopTimeoutSeconds(5);
        assign(a.build());
        await().atMost(Duration.ofSeconds(20)).until(() -> is(id, 1, ContainerState.RUNNING));
        assign(a.setPlacementVersion(2).build());
        await().atMost(Duration.ofSeconds(20)).until(() -> is(id, 2, ContainerState.RUNNING));
        var oldStates = scheduler.snapshot().stream().filter(AgentMessage::hasStatus).map(AgentMessage::getStatus)
                .filter(s -> s.getWorkloadId().equals(id) && s.getPlacementVersion() == 1 && s.getState() == ContainerState.EXITED)
                .toList();
        assertEquals(3, oldStates.getFirst().getExitCode(), "stopped with SIGTERM, not killed");
    }
}
