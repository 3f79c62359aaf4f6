package io.gantry.scheduler;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.gantry.proto.ContainerState;
import io.gantry.proto.ControlGrpc;
import io.gantry.proto.DesiredState;
import io.gantry.proto.InspectRequest;
import io.gantry.proto.KillRequest;
import io.gantry.proto.PauseRequest;
import io.gantry.proto.UnpauseRequest;
import io.gantry.proto.RenameRequest;
import io.gantry.proto.RestartRequest;
import io.gantry.proto.RunRequest;
import io.gantry.proto.StartRequest;
import io.gantry.proto.StopRequest;
import io.gantry.proto.Workload;
import io.gantry.proto.WorkloadSpec;
import io.gantry.scheduler.core.Signals;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** kill / start / restart / rename through the leader to a fake agent. */
class LifecycleFlowTest {
    private static final long GiB = 1L << 30;
    private static final Duration T = Duration.ofSeconds(10);
    private Cluster cluster;
    private SchedulerServer server;
    private ControlGrpc.ControlBlockingStub control;
    private FakeAgent agent;

    @BeforeEach
    void start() throws Exception {
        cluster = new Cluster();
        server = cluster.startLeader(new MutableClock(1_700_000_000_000L));
        control = cluster.control(server.address());
        agent = cluster.agent(server.address(), "node-1").register(2000, 2 * GiB);
    }

    @AfterEach
    void stop() throws Exception {
        cluster.close();
    }

    private Workload running(String name) throws InterruptedException {
        var w = control.run(RunRequest.newBuilder().setSpec(WorkloadSpec.newBuilder().setName(name).setImage("busybox")).build())
                .getWorkload();
        agent.awaitAssignments(a -> FakeAgent.ids(a).contains(w.getId()));
        agent.status(w.getId(), ContainerState.RUNNING, 0, w.getPlacementVersion());
        await().atMost(T).until(() -> inspect(name).getState() == ContainerState.RUNNING);
        return inspect(name);
    }

    private Workload inspect(String ref) {
        return control.inspect(InspectRequest.newBuilder().setRef(ref).build());
    }

    private static StatusRuntimeException fails(Status.Code code, String description, Runnable call) {
        var e = assertThrows(StatusRuntimeException.class, call::run);
        assertEquals(code, e.getStatus().getCode());
        assertEquals(description, e.getStatus().getDescription());
        return e;
    }

    @Test
    void killSendsAOneShotSignalToTheNodeWithoutChangingDesiredState() throws Exception {
        var w = running("web");
        control.kill(KillRequest.newBuilder().setRef("web").setSignal("hup").build());
        var m = agent.await(x -> x.hasSignal(), T).getSignal();
        assertEquals(w.getId(), m.getWorkloadId());
        assertEquals(w.getPlacementVersion(), m.getPlacementVersion());
        assertEquals("SIGHUP", m.getSignal());
        assertEquals(DesiredState.DESIRED_RUNNING, inspect("web").getDesired());

        control.kill(KillRequest.newBuilder().setRef("web").build());
        assertEquals("SIGKILL", agent.await(x -> x.hasSignal(), T).getSignal().getSignal(), "default is KILL");
    }

    @Test
    void killRejectsBadSignalsAndContainersThatAreNotRunning() throws Exception {
        var w = running("web");
        fails(Status.Code.INVALID_ARGUMENT, "invalid signal: SIGNOPE",
                () -> control.kill(KillRequest.newBuilder().setRef("web").setSignal("SIGNOPE").build()));
        agent.status(w.getId(), ContainerState.EXITED, 0, w.getPlacementVersion());
        await().atMost(T).until(() -> inspect("web").getState() == ContainerState.EXITED);
        fails(Status.Code.FAILED_PRECONDITION, "container web is not running",
                () -> control.kill(KillRequest.newBuilder().setRef("web").build()));
        fails(Status.Code.NOT_FOUND, "no such container: nope", () -> control.kill(KillRequest.newBuilder().setRef("nope").build()));
    }

    @Test
    void startRunsAStoppedContainerAgainOnItsNodeWithANewPlacementVersion() throws Exception {
        var w = running("web");
        var stopped = CompletableFuture.supplyAsync(() -> control.stop(StopRequest.newBuilder().setRef("web").build()));
        agent.awaitAssignments(a -> a.getAssignmentsCount() == 1 && a.getAssignments(0).getDesired() == DesiredState.DESIRED_STOPPED);
        agent.status(w.getId(), ContainerState.EXITED, 143, w.getPlacementVersion());
        stopped.get(10, TimeUnit.SECONDS);

        var again = control.start(StartRequest.newBuilder().setRef("web").build()).getWorkload();
        assertEquals(DesiredState.DESIRED_RUNNING, again.getDesired());
        assertEquals(w.getPlacementVersion() + 1, again.getPlacementVersion());
        assertEquals("node-1", again.getNode());
        var a = agent.awaitAssignments(x -> x.getAssignmentsCount() == 1
                && x.getAssignments(0).getPlacementVersion() == w.getPlacementVersion() + 1).getAssignments(0);
        assertEquals(DesiredState.DESIRED_RUNNING, a.getDesired());
        // the old container's last words (old placement) do not undo the start
        agent.status(w.getId(), ContainerState.REMOVED, 143, w.getPlacementVersion());
        agent.status(w.getId(), ContainerState.RUNNING, 0, again.getPlacementVersion());
        await().atMost(T).until(() -> inspect("web").getState() == ContainerState.RUNNING);

        assertEquals(again.getPlacementVersion(), control.start(StartRequest.newBuilder().setRef("web").build())
                .getWorkload().getPlacementVersion(), "starting a running container changes nothing");
    }

    @Test
    void restartReplacesTheContainerWithTheGivenStopTimeout() throws Exception {
        var w = running("web");
        var again = control.restart(RestartRequest.newBuilder().setRef("web").setTimeoutSeconds(3).build()).getWorkload();
        assertEquals(w.getPlacementVersion() + 1, again.getPlacementVersion());
        var a = agent.awaitAssignments(x -> x.getAssignmentsCount() == 1
                && x.getAssignments(0).getPlacementVersion() == again.getPlacementVersion()).getAssignments(0);
        assertEquals(DesiredState.DESIRED_RUNNING, a.getDesired());
        assertEquals(3, a.getStopTimeoutSeconds());
        assertEquals(ContainerState.PENDING, inspect("web").getState());
        agent.status(w.getId(), ContainerState.RUNNING, 0, again.getPlacementVersion());
        await().atMost(T).until(() -> inspect("web").getState() == ContainerState.RUNNING);
    }

    @Test
    void renameMovesTheNameAndRejectsTakenOrInvalidNames() throws Exception {
        var w = running("old");
        running("other");
        fails(Status.Code.ALREADY_EXISTS, "container name \"other\" is already in use",
                () -> control.rename(RenameRequest.newBuilder().setRef("old").setNewName("other").build()));
        fails(Status.Code.INVALID_ARGUMENT, "invalid container name \"-x\": only [a-zA-Z0-9][a-zA-Z0-9_.-]* are allowed",
                () -> control.rename(RenameRequest.newBuilder().setRef("old").setNewName("-x").build()));

        var renamed = control.rename(RenameRequest.newBuilder().setRef("old").setNewName("new").build()).getWorkload();
        assertEquals("new", renamed.getSpec().getName());
        assertEquals(w.getId(), inspect("new").getId());
        fails(Status.Code.NOT_FOUND, "no such container: old", () -> inspect("old"));
        // the old name is free again
        running("old");
        assertEquals(w.getId(), inspect("new").getId());
    }

    @Test
    void signalNamesAreNormalized() {
        assertEquals("SIGKILL", Signals.canonical("KILL"));
        assertEquals("SIGKILL", Signals.canonical("9"));
        assertEquals("SIGTERM", Signals.canonical("sigterm"));
        assertEquals("SIGHUP", Signals.canonical("HUP"));
        assertEquals("SIGKILL", Signals.canonical(""));
        assertEquals("invalid signal: 99", assertThrows(IllegalArgumentException.class, () -> Signals.canonical("99")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Signals.canonical("SIG"));
        assertThrows(IllegalArgumentException.class, () -> Signals.canonical("0"));
    }

    @Test
    void pauseAndUnpauseAreDesiredStatesTheAgentReconciles() throws Exception {
        var w = running("web");
        var paused = CompletableFuture.supplyAsync(() -> control.pause(PauseRequest.newBuilder().setRef("web").build()));
        agent.awaitAssignments(a -> a.getAssignmentsCount() == 1 && a.getAssignments(0).getDesired() == DesiredState.DESIRED_PAUSED);
        agent.status(w.getId(), ContainerState.PAUSED, 0, w.getPlacementVersion());
        assertEquals(ContainerState.PAUSED, paused.get(10, TimeUnit.SECONDS).getWorkload().getState());
        fails(Status.Code.FAILED_PRECONDITION, "container web is already paused",
                () -> control.pause(PauseRequest.newBuilder().setRef("web").build()));
        fails(Status.Code.FAILED_PRECONDITION, "container web is paused: unpause it first",
                () -> control.kill(KillRequest.newBuilder().setRef("web").build()));

        var resumed = CompletableFuture.supplyAsync(() -> control.unpause(UnpauseRequest.newBuilder().setRef("web").build()));
        agent.awaitAssignments(a -> a.getAssignmentsCount() == 1 && a.getAssignments(0).getDesired() == DesiredState.DESIRED_RUNNING);
        agent.status(w.getId(), ContainerState.RUNNING, 0, w.getPlacementVersion());
        assertEquals(ContainerState.RUNNING, resumed.get(10, TimeUnit.SECONDS).getWorkload().getState());
        fails(Status.Code.FAILED_PRECONDITION, "container web is not paused",
                () -> control.unpause(UnpauseRequest.newBuilder().setRef("web").build()));
    }

    @Test
    void pauseRefusesContainersThatDoNotRunAndStopStopsAPausedOne() throws Exception {
        var w = running("web");
        var paused = CompletableFuture.supplyAsync(() -> control.pause(PauseRequest.newBuilder().setRef("web").build()));
        agent.awaitAssignments(a -> a.getAssignmentsCount() == 1 && a.getAssignments(0).getDesired() == DesiredState.DESIRED_PAUSED);
        agent.status(w.getId(), ContainerState.PAUSED, 0, w.getPlacementVersion());
        paused.get(10, TimeUnit.SECONDS);

        var stopped = CompletableFuture.supplyAsync(() -> control.stop(StopRequest.newBuilder().setRef("web").build()));
        agent.awaitAssignments(a -> a.getAssignmentsCount() == 1 && a.getAssignments(0).getDesired() == DesiredState.DESIRED_STOPPED);
        agent.status(w.getId(), ContainerState.EXITED, 143, w.getPlacementVersion());
        assertEquals(ContainerState.EXITED, stopped.get(10, TimeUnit.SECONDS).getWorkload().getState());
        fails(Status.Code.FAILED_PRECONDITION, "container web is not running",
                () -> control.pause(PauseRequest.newBuilder().setRef("web").build()));
    }

    @Test
    void aContainerThatRunsAgainWhileItShouldBePausedIsPausedAgain() throws Exception {
        var w = running("web");
        var paused = CompletableFuture.supplyAsync(() -> control.pause(PauseRequest.newBuilder().setRef("web").build()));
        agent.awaitAssignments(a -> a.getAssignmentsCount() == 1 && a.getAssignments(0).getDesired() == DesiredState.DESIRED_PAUSED);
        agent.status(w.getId(), ContainerState.EXITED, 1, w.getPlacementVersion()); // crashed before it was frozen
        assertEquals(ContainerState.EXITED, paused.get(10, TimeUnit.SECONDS).getWorkload().getState());
        agent.status(w.getId(), ContainerState.RUNNING, 0, w.getPlacementVersion()); // its restart policy ran it again
        agent.awaitAssignments(a -> a.getAssignmentsCount() == 1 && a.getAssignments(0).getDesired() == DesiredState.DESIRED_PAUSED);
    }
}
