package io.gantry.scheduler;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gantry.proto.ContainerState;
import io.gantry.proto.ControlGrpc;
import io.gantry.proto.DesiredState;
import io.gantry.proto.InspectRequest;
import io.gantry.proto.ListNodesRequest;
import io.gantry.proto.ListRequest;
import io.gantry.proto.LogEntry;
import io.gantry.proto.LogsRequest;
import io.gantry.proto.Node;
import io.gantry.proto.PortMapping;
import io.gantry.proto.RemoveRequest;
import io.gantry.proto.Resources;
import io.gantry.proto.RunRequest;
import io.gantry.proto.StopRequest;
import io.gantry.proto.WaitRequest;
import io.gantry.proto.Workload;
import io.gantry.proto.WorkloadSpec;
import io.gantry.scheduler.state.StateLayout;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AgentFlowTest {
    private static final StateLayout LAYOUT = new StateLayout(StateLayout.DEFAULT_ROOT);
    private static final long GiB = 1L << 30;
    private static final Duration T = Duration.ofSeconds(10);
    private Cluster cluster;
    private MutableClock clock;
    private SchedulerServer server;
    private ControlGrpc.ControlBlockingStub control;

    @BeforeEach
    void start() throws Exception {
        cluster = new Cluster();
        clock = new MutableClock(1_700_000_000_000L);
        server = cluster.startLeader(clock);
        control = cluster.control(server.address());
    }

    @AfterEach
    void stop() throws Exception {
        cluster.close();
    }

    private Workload run(WorkloadSpec.Builder spec) {
        return control.run(RunRequest.newBuilder().setSpec(spec).build()).getWorkload();
    }

    private static WorkloadSpec.Builder spec(String name) {
        return WorkloadSpec.newBuilder().setName(name).setImage("busybox");
    }

    @Test
    void runIsAssignedReportedAndWaitReturnsTheExitCode() throws Exception {
        var agent = cluster.agent(server.address(), "node-1").register(2000, 2 * GiB);
        var registered = agent.registered;
        assertEquals("127.0.0.1:5000", registered.getDefaultRegistry());
        assertTrue(registered.getHeartbeatIntervalMs() > 0);
        assertTrue(agent.awaitAssignments(a -> true).getAssignmentsList().isEmpty());

        var w = run(spec("job").setResources(Resources.newBuilder().setCpuMillis(500).setMemoryBytes(GiB)));
        assertEquals("node-1", w.getNode());
        assertTrue(w.getId().matches("[0-9a-f]{12}"), w.getId());
        var assignment = agent.awaitAssignments(a -> a.getAssignmentsCount() == 1).getAssignments(0);
        assertEquals(w.getId(), assignment.getWorkloadId());
        assertEquals(DesiredState.DESIRED_RUNNING, assignment.getDesired());
        assertEquals(w.getPlacementVersion(), assignment.getPlacementVersion());

        var waited = CompletableFuture.supplyAsync(() -> control.wait(WaitRequest.newBuilder().setRef("job").build()));
        agent.status(w.getId(), ContainerState.RUNNING, 0, w.getPlacementVersion());
        await().atMost(T).until(() -> inspect("job").getState() == ContainerState.RUNNING);
        assertEquals(1, control.list(ListRequest.getDefaultInstance()).getWorkloadsCount());
        agent.status(w.getId(), ContainerState.EXITED, 3, w.getPlacementVersion() - 1); // stale: ignored
        Thread.sleep(200);
        assertEquals(ContainerState.RUNNING, inspect(w.getId()).getState());
        agent.status(w.getId(), ContainerState.EXITED, 3, w.getPlacementVersion());

        var done = waited.get(10, TimeUnit.SECONDS);
        assertEquals(ContainerState.EXITED, done.getState());
        assertEquals(3, done.getExitCode());
        assertEquals(0, control.list(ListRequest.getDefaultInstance()).getWorkloadsCount(), "ps hides exited");
        assertEquals(1, control.list(ListRequest.newBuilder().setAll(true).build()).getWorkloadsCount());
        assertEquals(w.getId(), inspect(w.getId().substring(0, 5)).getId(), "unique id prefix resolves");
    }

    @Test
    void stopAndRemoveGoThroughTheAgent() throws Exception {
        var agent = cluster.agent(server.address(), "node-1").register(2000, 2 * GiB);
        var w = run(spec("svc"));
        agent.awaitAssignments(a -> a.getAssignmentsCount() == 1);
        agent.status(w.getId(), ContainerState.RUNNING, 0, w.getPlacementVersion());
        await().atMost(T).until(() -> inspect("svc").getState() == ContainerState.RUNNING);

        var e = assertThrows(StatusRuntimeException.class, () -> control.remove(RemoveRequest.newBuilder().setRef("svc").build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
        assertEquals("container svc is running: stop it first or use rm -f", e.getStatus().getDescription());

        var stopped = CompletableFuture.supplyAsync(() -> control.stop(StopRequest.newBuilder().setRef("svc").setTimeoutSeconds(2).build()));
        var a = agent.awaitAssignments(x -> x.getAssignmentsCount() == 1 && x.getAssignments(0).getDesired() == DesiredState.DESIRED_STOPPED);
        assertEquals(2, a.getAssignments(0).getStopTimeoutSeconds());
        agent.status(w.getId(), ContainerState.EXITED, 137, w.getPlacementVersion());
        assertEquals(137, stopped.get(10, TimeUnit.SECONDS).getWorkload().getExitCode());

        var removed = CompletableFuture.supplyAsync(() -> control.remove(RemoveRequest.newBuilder().setRef("svc").build()));
        agent.awaitAssignments(x -> x.getAssignmentsCount() == 1 && x.getAssignments(0).getDesired() == DesiredState.DESIRED_REMOVED);
        agent.status(w.getId(), ContainerState.REMOVED, 137, w.getPlacementVersion());
        assertEquals(w.getId(), removed.get(10, TimeUnit.SECONDS).getId());
        agent.awaitAssignments(x -> x.getAssignmentsCount() == 0);
        var nf = assertThrows(StatusRuntimeException.class, () -> inspect("svc"));
        assertEquals(Status.Code.NOT_FOUND, nf.getStatus().getCode());
        assertEquals("no such container: svc", nf.getStatus().getDescription());
    }

    @Test
    void autoRemoveDetachedWorkloadIsRemovedWhenItExits() throws Exception {
        var agent = cluster.agent(server.address(), "node-1").register(2000, 2 * GiB);
        var w = run(spec("once").setAutoRemove(true));
        agent.awaitAssignments(a -> a.getAssignmentsCount() == 1);
        agent.status(w.getId(), ContainerState.EXITED, 0, w.getPlacementVersion());
        agent.awaitAssignments(x -> x.getAssignmentsCount() == 1 && x.getAssignments(0).getDesired() == DesiredState.DESIRED_REMOVED);
        agent.status(w.getId(), ContainerState.REMOVED, 0, w.getPlacementVersion());
        await().atMost(T).until(() -> control.list(ListRequest.newBuilder().setAll(true).build()).getWorkloadsCount() == 0);
    }

    @Test
    void attachedAutoRemoveIsLeftToTheClientThenRemovedAfterAMinute() throws Exception {
        var agent = cluster.agent(server.address(), "node-1").register(2000, 2 * GiB);
        var w = control.run(RunRequest.newBuilder().setSpec(spec("fg").setAutoRemove(true)).setAttached(true).build())
                .getWorkload();
        assertTrue(w.getAttached());
        agent.awaitAssignments(a -> a.getAssignmentsCount() == 1);
        agent.status(w.getId(), ContainerState.EXITED, 0, w.getPlacementVersion());
        assertEquals(ContainerState.EXITED, control.wait(WaitRequest.newBuilder().setRef("fg").build()).getState());
        Thread.sleep(300);
        assertEquals(DesiredState.DESIRED_RUNNING, inspect("fg").getDesired(), "the attached client removes it");
        clock.advance(Duration.ofSeconds(61));
        // Either asked of the agent or (if the heartbeat check marked the node down first) deleted directly.
        await().atMost(T).until(() -> control.list(ListRequest.newBuilder().setAll(true).build()).getWorkloadsList()
                .stream().allMatch(x -> x.getDesired() == DesiredState.DESIRED_REMOVED));
    }

    @Test
    void stoppingAnUnplacedWorkloadJustMarksItExited() {
        run(spec("nowhere"));
        var stopped = control.stop(StopRequest.newBuilder().setRef("nowhere").build()).getWorkload();
        assertEquals(ContainerState.EXITED, stopped.getState());
        assertEquals(DesiredState.DESIRED_STOPPED, stopped.getDesired());
        assertEquals(stopped.getId(), control.remove(RemoveRequest.newBuilder().setRef("nowhere").build()).getId());
        assertEquals(0, control.list(ListRequest.newBuilder().setAll(true).build()).getWorkloadsCount());
    }

    @Test
    void tooBigStaysPendingWithTheReasonThenPlacesWhenABigNodeRegisters() throws Exception {
        var none = run(spec("early"));
        assertEquals(ContainerState.PENDING, none.getState());
        assertEquals("0/0 nodes: no nodes registered", none.getReason());

        var small = cluster.agent(server.address(), "node-1").register(4000, GiB / 2);
        small.awaitAssignments(a -> a.getAssignmentsCount() == 1); // "early" fits (asks nothing)
        var big = run(spec("big").setResources(Resources.newBuilder().setMemoryBytes(GiB)));
        assertEquals(ContainerState.PENDING, big.getState());
        assertEquals("", big.getNode());
        assertEquals("0/1 nodes: insufficient memory (node-1: 512 MiB free, 1 GiB asked)", big.getReason());
        assertEquals("insufficient memory (512 MiB free, 1 GiB asked)", big.getRejections(0).getReason());

        var large = cluster.agent(server.address(), "node-2").register(4000, 4 * GiB);
        large.awaitAssignments(a -> FakeAgent.ids(a).contains(big.getId()));
        var placed = inspect("big");
        assertEquals("node-2", placed.getNode());
        assertEquals("", placed.getReason());
        assertEquals(0, placed.getRejectionsCount());
    }

    @Test
    void validationAndNameErrors() {
        run(spec("taken"));
        var dup = assertThrows(StatusRuntimeException.class, () -> run(spec("taken")));
        assertEquals(Status.Code.ALREADY_EXISTS, dup.getStatus().getCode());
        assertEquals("container name \"taken\" is already in use", dup.getStatus().getDescription());
        var bad = assertThrows(StatusRuntimeException.class, () -> run(spec("-bad")));
        assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
        var noImage = assertThrows(StatusRuntimeException.class, () -> run(WorkloadSpec.newBuilder()));
        assertEquals("an image is required", noImage.getStatus().getDescription());
        var neg = assertThrows(StatusRuntimeException.class,
                () -> run(spec("neg").setResources(Resources.newBuilder().setMemoryBytes(-1))));
        assertEquals(Status.Code.INVALID_ARGUMENT, neg.getStatus().getCode());
        var generated = run(WorkloadSpec.newBuilder().setImage("busybox"));
        assertTrue(generated.getSpec().getName().matches("[a-z]+_[a-z]+"), generated.getSpec().getName());
    }

    @Test
    void hostPortsAreNotDoubleBooked() {
        cluster.agent(server.address(), "node-1").register(2000, 2 * GiB);
        await().atMost(T).until(() -> control.listNodes(ListNodesRequest.getDefaultInstance()).getNodesCount() == 1);
        var port = PortMapping.newBuilder().setHostPort(8080).setContainerPort(80).setProtocol("tcp");
        assertEquals("node-1", run(spec("a").addPorts(port)).getNode());
        var second = run(spec("b").addPorts(port));
        assertEquals("0/1 nodes: host port already in use (node-1: 8080/tcp)", second.getReason());
    }

    @Test
    void logsAreRelayedConcurrentlyAndCancelReachesTheAgent() throws Exception {
        var agent = cluster.agent(server.address(), "node-1").register(2000, 2 * GiB);
        var w = run(spec("chatty"));
        agent.awaitAssignments(a -> a.getAssignmentsCount() == 1);

        var async = cluster.asyncControl(server.address());
        var first = new Collector();
        var second = new Collector();
        async.logs(LogsRequest.newBuilder().setRef("chatty").setTail(-1).build(), first);
        var r1 = agent.await(m -> m.hasLogRequest(), T).getLogRequest();
        async.logs(LogsRequest.newBuilder().setRef(w.getId()).setFollow(true).setTail(5).build(), second);
        var r2 = agent.await(m -> m.hasLogRequest(), T).getLogRequest();
        assertEquals(w.getId(), r1.getWorkloadId());
        assertTrue(r2.getFollow());
        assertEquals(5, r2.getTail());

        agent.logs(r2.getRequestId(), false, "b1");
        agent.logs(r1.getRequestId(), false, "a1", "a2");
        agent.logs(r1.getRequestId(), true, "a3");
        assertEquals(List.of("a1", "a2", "a3"), first.done.get(10, TimeUnit.SECONDS));
        await().atMost(T).until(() -> second.lines.equals(List.of("b1")));

        // Cancel the follow stream: the agent gets a LogCancel for it.
        second.cancel();
        var cancel = agent.await(m -> m.hasLogCancel(), T).getLogCancel();
        assertEquals(r2.getRequestId(), cancel.getRequestId());
    }

    @Test
    void logsNeedAConnectedNode() throws Exception {
        var agent = cluster.agent(server.address(), "node-1").register(2000, 2 * GiB);
        run(spec("quiet"));
        agent.awaitAssignments(a -> a.getAssignmentsCount() == 1);
        agent.hangUp();
        // Still READY (an agent restart must not move its containers), but nobody can serve the logs.
        await().atMost(T).untilAsserted(() -> {
            var e = assertThrows(StatusRuntimeException.class, () ->
                    control.logs(LogsRequest.newBuilder().setRef("quiet").build()).hasNext());
            assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
            assertEquals("node node-1 is not connected", e.getStatus().getDescription());
        });
        assertEquals(Node.Status.READY, node("node-1").getStatus());
    }

    @Test
    void silentNodeGoesDownAndComesBackOnRegister() throws Exception {
        var agent = cluster.agent(server.address(), "node-1").register(2000, 2 * GiB);
        agent.awaitAssignments(a -> true);
        agent.heartbeat();
        Thread.sleep(300); // let the heartbeat land before time moves
        clock.advance(Duration.ofSeconds(3));
        Thread.sleep(300);
        assertEquals(Node.Status.READY, node("node-1").getStatus());
        clock.advance(Duration.ofSeconds(3)); // 6 s > 5 s without a heartbeat
        await().atMost(T).until(() -> node("node-1").getStatus() == Node.Status.DOWN);
        await().atMost(T).until(() -> agent.error != null); // the scheduler hung up on it

        var again = cluster.agent(server.address(), "node-1").register(2000, 2 * GiB);
        again.awaitAssignments(a -> true);
        assertEquals(Node.Status.READY, node("node-1").getStatus());
    }

    @Test
    void registerMustComeFirst() throws Exception {
        var agent = cluster.agent(server.address(), "node-x");
        agent.heartbeat();
        await().atMost(T).until(() -> agent.error != null);
        assertEquals(Status.Code.INVALID_ARGUMENT, agent.errorStatus().orElseThrow().getCode());
    }

    @Test
    void registerReconcilesReportedContainers() throws Exception {
        var agent = cluster.agent(server.address(), "node-1").register(2000, 2 * GiB);
        var w = run(spec("survivor"));
        agent.awaitAssignments(a -> a.getAssignmentsCount() == 1);
        agent.close();
        Thread.sleep(300);
        clock.advance(Duration.ofSeconds(6)); // past the heartbeat timeout: down, and its workload unplaced
        await().atMost(T).until(() -> node("node-1").getStatus() == Node.Status.DOWN);
        await().atMost(T).until(() -> inspect("survivor").getNode().isEmpty());
        assertTrue(inspect("survivor").getReason().contains("node not ready"), inspect("survivor").getReason());

        // It comes back still running it, and nothing else took it: it stays there, not restarted.
        var back = cluster.agent(server.address(), "node-1").register(2000, 2 * GiB,
                io.gantry.proto.ContainerStatus.newBuilder().setWorkloadId(w.getId()).setState(ContainerState.RUNNING)
                        .setPlacementVersion(w.getPlacementVersion()).setRestartCount(2).build(),
                io.gantry.proto.ContainerStatus.newBuilder().setWorkloadId("ffffffffffff").setState(ContainerState.RUNNING).build());
        var a = back.awaitAssignments(x -> true);
        assertEquals(List.of(w.getId()), FakeAgent.ids(a), "unknown containers are simply absent");
        var now = inspect("survivor");
        assertEquals("node-1", now.getNode());
        assertEquals(w.getPlacementVersion(), now.getPlacementVersion());
        assertEquals(ContainerState.RUNNING, now.getState());
        assertEquals(2, now.getRestartCount());
    }

    @Test
    void registerOverwritesANodeZnodeItsCacheDoesNotKnow() throws Exception {
        // As after a first register whose create landed but whose reply was lost: ZooKeeper has the node,
        // the leader's cache does not. Registering again must not fail with NodeExists.
        try (var zk = curator()) {
            zk.create().forPath(LAYOUT.node("node-1"), Node.newBuilder().setName("node-1").setCpuMillis(1).build().toByteArray());
            var agent = cluster.agent(server.address(), "node-1").register(2000, 2 * GiB);
            assertTrue(agent.errorStatus().isEmpty(), () -> "register failed: " + agent.errorStatus());
            assertEquals(Node.Status.READY, node("node-1").getStatus());
            // What the agent says of itself is written behind, within a flush period.
            await().atMost(T).until(() -> Node.parseFrom(zk.getData().forPath(LAYOUT.node("node-1"))).getCpuMillis() == 2000);
        }
    }

    @Test
    void cancelledStopAndRmForgetTheirWaitersAtOnce() throws Exception {
        var agent = cluster.agent(server.address(), "node-1").register(2000, 2 * GiB);
        var w = run(spec("slow"));
        agent.awaitAssignments(a -> a.getAssignmentsCount() == 1);
        agent.status(w.getId(), ContainerState.RUNNING, 0, w.getPlacementVersion());
        await().atMost(T).until(() -> inspect("slow").getState() == ContainerState.RUNNING);
        var core = server.currentCore().orElseThrow();
        var async = cluster.asyncControl(server.address());

        var stop = new Cancellable<StopRequest, io.gantry.proto.StopResponse>();
        async.stop(StopRequest.newBuilder().setRef("slow").setTimeoutSeconds(60).build(), stop);
        await().atMost(T).until(() -> core.pendingWaits() == 1);
        stop.cancel();
        await().atMost(Duration.ofSeconds(3)).until(() -> core.pendingWaits() == 0);

        var rm = new Cancellable<RemoveRequest, io.gantry.proto.RemoveResponse>();
        async.remove(RemoveRequest.newBuilder().setRef("slow").setForce(true).build(), rm);
        await().atMost(T).until(() -> core.pendingWaits() == 1);
        rm.cancel();
        await().atMost(Duration.ofSeconds(3)).until(() -> core.pendingWaits() == 0);
        assertEquals(DesiredState.DESIRED_REMOVED, inspect("slow").getDesired(), "the removal itself goes on");
    }

    @Test
    void removingAnUnplaceableAttachedRunIsImmediateAndLeavesNothingInZooKeeper() throws Exception {
        // The CLI rm -f's an attached run that could not be placed: no agent is involved, nothing may linger.
        var w = control.run(RunRequest.newBuilder().setSpec(spec("stuck")
                .setResources(Resources.newBuilder().setMemoryBytes(64 * GiB))).setAttached(true).build()).getWorkload();
        assertEquals(ContainerState.PENDING, w.getState());
        assertEquals("", w.getNode());
        try (var zk = curator()) {
            assertEquals(List.of(w.getId()), zk.getChildren().forPath(LAYOUT.workloads()));
            long started = System.nanoTime();
            var removed = control.withDeadlineAfter(2, TimeUnit.SECONDS)
                    .remove(RemoveRequest.newBuilder().setRef("stuck").setForce(true).build());
            assertEquals(w.getId(), removed.getId());
            assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(1), "rm of a pending workload is immediate");
            assertTrue(zk.getChildren().forPath(LAYOUT.workloads()).isEmpty());
        }
        assertEquals(0, control.list(ListRequest.newBuilder().setAll(true).build()).getWorkloadsCount());
        assertEquals(0, server.currentCore().orElseThrow().pendingWaits());
    }

    private CuratorFramework curator() throws InterruptedException {
        var zk = CuratorFrameworkFactory.newClient(cluster.zk.connectString(), new RetryOneTime(100));
        zk.start();
        zk.blockUntilConnected();
        return zk;
    }

    private Workload inspect(String ref) {
        return control.inspect(InspectRequest.newBuilder().setRef(ref).build());
    }

    private Node node(String name) {
        return control.listNodes(ListNodesRequest.getDefaultInstance()).getNodesList().stream()
                .filter(n -> n.getName().equals(name)).findFirst().orElseThrow();
    }

    /** Collects a log stream; cancellable like a CLI pressing Ctrl-C. */
    private static final class Collector extends Cancellable<LogsRequest, LogEntry> {
        final List<String> lines = new CopyOnWriteArrayList<>();
        final CompletableFuture<List<String>> done = new CompletableFuture<>();

        @Override
        public void onNext(LogEntry e) {
            lines.add(e.getLine().toStringUtf8());
        }

        @Override
        public void onError(Throwable t) {
            done.completeExceptionally(t);
        }

        @Override
        public void onCompleted() {
            done.complete(List.copyOf(lines));
        }
    }

    /** A call the test can cancel like a CLI pressing Ctrl-C; ignores what arrives. */
    private static class Cancellable<Q, R> implements ClientResponseObserver<Q, R> {
        private volatile ClientCallStreamObserver<Q> call;

        @Override
        public void beforeStart(ClientCallStreamObserver<Q> requestStream) {
            call = requestStream;
        }

        @Override
        public void onNext(R value) {}

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}

        void cancel() {
            call.cancel("test cancels", null);
        }
    }
}
