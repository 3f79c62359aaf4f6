package io.gantry.agent;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gantry.proto.AgentMessage;
import io.gantry.proto.Assignment;
import io.gantry.proto.Assignments;
import io.gantry.proto.ContainerState;
import io.gantry.proto.ContainerStatus;
import io.gantry.proto.DesiredState;
import io.gantry.proto.LogChunk;
import io.gantry.proto.LogEntry;
import io.gantry.proto.LogRequest;
import io.gantry.proto.Register;
import io.gantry.proto.SchedulerMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent against an in-process fake scheduler, with real runc and conmon. */
class NodeAgentTest {
    @TempDir
    Path tmp;
    RuntimeFixture fx;
    FakeScheduler scheduler;
    NodeAgent agent;

    @BeforeEach
    void setUp() throws Exception {
        fx = new RuntimeFixture(tmp);
        scheduler = new FakeScheduler();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (agent != null) {
            agent.removeAllContainers();
            agent.close();
        }
        scheduler.close();
        fx.assertClean();
    }

    private NodeAgent newAgent(List<String> addresses) {
        AgentConfig config = AgentConfig.defaults(addresses, "node-1", fx.dataDir)
                .withRuncRoot(fx.runcRoot).withCgroupParent(fx.cgroupParent).withLabels(Map.of("zone", "a"));
        return new NodeAgent(config, fx.images, Clock.systemUTC());
    }

    private List<ContainerStatus> statuses(String id) {
        return scheduler.snapshot().stream().filter(AgentMessage::hasStatus).map(AgentMessage::getStatus)
                .filter(s -> s.getWorkloadId().equals(id)).toList();
    }

    private List<ContainerState> states(String id) {
        return statuses(id).stream().map(ContainerStatus::getState).toList();
    }

    private List<LogChunk> chunks(long requestId) {
        return scheduler.snapshot().stream().filter(AgentMessage::hasLogChunk).map(AgentMessage::getLogChunk)
                .filter(c -> c.getRequestId() == requestId).toList();
    }

    private static SchedulerMessage assignments(Assignment... as) {
        return SchedulerMessage.newBuilder().setAssignments(Assignments.newBuilder().addAllAssignments(List.of(as))).build();
    }

    private static Assignment run(String id, String script, long version) {
        return Assignment.newBuilder().setWorkloadId(id).setPlacementVersion(version).setDesired(DesiredState.DESIRED_RUNNING)
                .setSpec(RuntimeFixture.sh(script)).build();
    }

    private static String text(List<LogChunk> chunks) {
        StringBuilder sb = new StringBuilder();
        chunks.forEach(c -> c.getEntriesList().forEach(e -> sb.append(e.getLine().toStringUtf8()).append('\n')));
        return sb.toString();
    }

    @Test
    void registersHeartbeatsRunsReportsAndServesLogs() throws Exception {
        agent = newAgent(List.of(scheduler.address()));
        agent.start();
        assertTrue(agent.awaitRegistered(Duration.ofSeconds(10)));
        Register reg = scheduler.snapshot().getFirst().getRegister();
        assertEquals("node-1", reg.getNodeName());
        assertEquals(Runtime.getRuntime().availableProcessors() * 1000L, reg.getCpuMillis());
        assertTrue(reg.getMemoryBytes() > 0);
        assertEquals("a", reg.getLabelsMap().get("zone"));
        await().atMost(Duration.ofSeconds(5)).until(() -> scheduler.snapshot().stream().filter(AgentMessage::hasHeartbeat).count() >= 3);

        String id = RuntimeFixture.newId();
        scheduler.send(assignments(run(id, "echo hello; echo err >&2; exit 2", 7)));
        await().atMost(Duration.ofSeconds(20)).until(() -> states(id).contains(ContainerState.EXITED));
        assertEquals(List.of(ContainerState.PENDING, ContainerState.PULLING, ContainerState.STARTING,
                ContainerState.RUNNING, ContainerState.EXITED), states(id));
        ContainerStatus exited = statuses(id).getLast();
        assertEquals(2, exited.getExitCode());
        assertEquals(7, exited.getPlacementVersion());
        assertTrue(exited.getStartedAtMs() > 0 && exited.getFinishedAtMs() > 0);
        assertEquals(BusyboxImages.DIGEST, exited.getImageDigest());

        // the same desired set again changes nothing
        scheduler.send(assignments(run(id, "echo hello; echo err >&2; exit 2", 7)));
        Thread.sleep(300);
        assertEquals(5, states(id).size());

        scheduler.send(SchedulerMessage.newBuilder().setLogRequest(LogRequest.newBuilder()
                .setRequestId(1).setWorkloadId(id).setTail(-1)).build());
        await().atMost(Duration.ofSeconds(5)).until(() -> chunks(1).stream().anyMatch(LogChunk::getDone));
        assertEquals("hello\nerr\n", text(chunks(1)));
        LogEntry err = chunks(1).stream().flatMap(c -> c.getEntriesList().stream()).toList().get(1);
        assertEquals(LogEntry.Stream.STDERR, err.getStream());

        scheduler.send(SchedulerMessage.newBuilder().setLogRequest(LogRequest.newBuilder()
                .setRequestId(2).setWorkloadId("nope").setTail(-1)).build());
        await().atMost(Duration.ofSeconds(5)).until(() -> chunks(2).stream().anyMatch(LogChunk::getDone));
        assertFalse(chunks(2).getLast().getError().isEmpty());

        scheduler.send(assignments());
        await().atMost(Duration.ofSeconds(10)).until(() -> states(id).contains(ContainerState.REMOVED));
    }

    @Test
    void followsLogsUntilExitStopsAndRemoves() throws Exception {
        agent = newAgent(List.of(scheduler.address()));
        agent.start();
        assertTrue(agent.awaitRegistered(Duration.ofSeconds(10)));
        String id = RuntimeFixture.newId();
        scheduler.send(assignments(run(id, "for i in 1 2 3; do echo line$i; sleep 0.3; done", 1)));
        await().atMost(Duration.ofSeconds(10)).until(() -> states(id).contains(ContainerState.RUNNING));
        scheduler.send(SchedulerMessage.newBuilder().setLogRequest(LogRequest.newBuilder()
                .setRequestId(9).setWorkloadId(id).setTail(-1).setFollow(true)).build());
        await().atMost(Duration.ofSeconds(10)).until(() -> chunks(9).stream().anyMatch(LogChunk::getDone));
        assertEquals("line1\nline2\nline3\n", text(chunks(9)));
        assertTrue(states(id).contains(ContainerState.EXITED));

        String sleeper = RuntimeFixture.newId();
        Assignment a = run(sleeper, "sleep 100", 1);
        scheduler.send(assignments(a));
        await().atMost(Duration.ofSeconds(10)).until(() -> states(sleeper).contains(ContainerState.RUNNING));
        scheduler.send(assignments(a.toBuilder().setDesired(DesiredState.DESIRED_STOPPED).setStopTimeoutSeconds(1).build()));
        await().atMost(Duration.ofSeconds(10)).until(() -> states(sleeper).contains(ContainerState.EXITED));
        assertEquals(ContainerState.STOPPING, states(sleeper).get(states(sleeper).size() - 2));
        scheduler.send(assignments(a.toBuilder().setDesired(DesiredState.DESIRED_REMOVED).build()));
        await().atMost(Duration.ofSeconds(10)).until(() -> states(sleeper).contains(ContainerState.REMOVED));
        assertTrue(states(id).contains(ContainerState.REMOVED), "unlisted container removed too");
    }

    @Test
    void pullFailureIsReportedAsFailed() throws Exception {
        agent = newAgent(List.of(scheduler.address()));
        agent.start();
        assertTrue(agent.awaitRegistered(Duration.ofSeconds(10)));
        String id = RuntimeFixture.newId();
        scheduler.send(assignments(Assignment.newBuilder().setWorkloadId(id).setPlacementVersion(1)
                .setSpec(RuntimeFixture.sh("true").setImage("missing/img")).build()));
        await().atMost(Duration.ofSeconds(10)).until(() -> states(id).contains(ContainerState.FAILED));
        ContainerStatus failed = statuses(id).getLast();
        assertTrue(failed.getReason().contains("127.0.0.1:5999"), "default registry from Registered: " + failed.getReason());
        assertEquals(125, failed.getExitCode());
    }

    @Test
    void followsTheLeaderRedirect() throws Exception {
        try (FakeScheduler follower = new FakeScheduler()) {
            follower.redirectTo = scheduler.address();
            agent = newAgent(List.of(follower.address()));
            agent.start();
            assertTrue(agent.awaitRegistered(Duration.ofSeconds(10)));
            assertEquals(1, follower.connects);
            assertTrue(scheduler.snapshot().getFirst().hasRegister());
        }
    }

    @Test
    void reconnectsAfterTheStreamBreaks() throws Exception {
        agent = newAgent(List.of(scheduler.address()));
        agent.start();
        assertTrue(agent.awaitRegistered(Duration.ofSeconds(10)));
        scheduler.close();
        FakeScheduler again = scheduler;
        Thread.sleep(200);
        // a new server under the same name: the agent reconnects and registers again
        scheduler = new FakeSchedulerNamed(again.name).server;
        await().atMost(Duration.ofSeconds(15)).until(() -> scheduler.snapshot().stream().anyMatch(AgentMessage::hasRegister));
    }

    @Test
    void restartedAgentRecoversRunningContainer() throws Exception {
        agent = newAgent(List.of(scheduler.address()));
        agent.start();
        assertTrue(agent.awaitRegistered(Duration.ofSeconds(10)));
        String id = RuntimeFixture.newId();
        Assignment a = run(id, "echo before; sleep 100", 3);
        scheduler.send(assignments(a));
        await().atMost(Duration.ofSeconds(10)).until(() -> states(id).contains(ContainerState.RUNNING));
        agent.close(); // containers keep running

        scheduler.received.clear();
        agent = newAgent(List.of(scheduler.address()));
        agent.start();
        assertTrue(agent.awaitRegistered(Duration.ofSeconds(10)));
        Register reg = scheduler.snapshot().getFirst().getRegister();
        assertEquals(1, reg.getContainersCount());
        assertEquals(id, reg.getContainers(0).getWorkloadId());
        assertEquals(ContainerState.RUNNING, reg.getContainers(0).getState());
        assertEquals(3, reg.getContainers(0).getPlacementVersion());
        scheduler.send(assignments(a));
        scheduler.send(SchedulerMessage.newBuilder().setLogRequest(LogRequest.newBuilder()
                .setRequestId(5).setWorkloadId(id).setTail(-1)).build());
        await().atMost(Duration.ofSeconds(5)).until(() -> chunks(5).stream().anyMatch(LogChunk::getDone));
        assertEquals("before\n", text(chunks(5)));
        Thread.sleep(300);
        assertTrue(states(id).isEmpty(), "not restarted: " + states(id));
    }

    @Test
    void closeThenRemoveAllContainersLeavesNothing() throws Exception {
        agent = newAgent(List.of(scheduler.address()));
        agent.start();
        assertTrue(agent.awaitRegistered(Duration.ofSeconds(10)));
        String id = RuntimeFixture.newId();
        scheduler.send(assignments(run(id, "sleep 100", 1)));
        await().atMost(Duration.ofSeconds(10)).until(() -> states(id).contains(ContainerState.RUNNING));

        // `gantry dev` shutdown: disconnect first (nothing new gets started), then remove everything.
        agent.close();
        agent.close(); // idempotent
        agent.removeAllContainers();
        assertTrue(agent.runtime().statuses().isEmpty());
        assertFalse(Files.exists(fx.dataDir.resolve("containers").resolve(id)), "container dir removed");
        fx.assertClean(); // no mount, runc state, conmon or cgroup left
    }

    /** Re-creates a fake scheduler under an existing in-process name. */
    private static final class FakeSchedulerNamed {
        final FakeScheduler server;

        FakeSchedulerNamed(String name) throws Exception {
            this.server = FakeScheduler.named(name);
        }
    }
}
