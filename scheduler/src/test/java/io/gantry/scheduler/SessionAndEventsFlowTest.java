package io.gantry.scheduler;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.gantry.proto.AgentMessage;
import io.gantry.proto.ContainerState;
import io.gantry.proto.ControlGrpc;
import io.gantry.proto.Event;
import io.gantry.proto.EventsRequest;
import io.gantry.proto.ExecOp;
import io.gantry.proto.InspectRequest;
import io.gantry.proto.ListRequest;
import io.gantry.proto.RegistryAuth;
import io.gantry.proto.RunRequest;
import io.gantry.proto.SessionExit;
import io.gantry.proto.SessionFrame;
import io.gantry.proto.SessionOpen;
import io.gantry.proto.VolumeOp;
import io.gantry.proto.Workload;
import io.gantry.proto.WorkloadSpec;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Node sessions relayed to a fake agent, cluster events, and registry credentials never shown back. */
class SessionAndEventsFlowTest {
    private static final long GiB = 1L << 30;
    private static final Duration T = Duration.ofSeconds(10);
    private Cluster cluster;
    private SchedulerServer server;
    private ControlGrpc.ControlBlockingStub control;
    private ControlGrpc.ControlStub async;
    private FakeAgent agent;

    @BeforeEach
    void start() throws Exception {
        cluster = new Cluster();
        server = cluster.startLeader(new MutableClock(1_700_000_000_000L));
        control = cluster.control(server.address());
        async = cluster.asyncControl(server.address());
        agent = cluster.agent(server.address(), "node-1").register(2000, 2 * GiB);
    }

    @AfterEach
    void stop() throws Exception {
        cluster.close();
    }

    private io.gantry.proto.Assignments lastAssignments;

    private Workload running(String name) throws InterruptedException {
        var w = control.run(RunRequest.newBuilder().setSpec(WorkloadSpec.newBuilder().setName(name).setImage("busybox")
                .setRegistryAuth(RegistryAuth.newBuilder().setRegistry("r.example:5000").setUsername("u").setPassword("secret")))
                .build()).getWorkload();
        lastAssignments = agent.awaitAssignments(a -> FakeAgent.ids(a).contains(w.getId()));
        agent.status(w.getId(), ContainerState.RUNNING, 0, w.getPlacementVersion());
        await().atMost(T).until(() -> control.inspect(InspectRequest.newBuilder().setRef(name).build()).getState()
                == ContainerState.RUNNING);
        return control.inspect(InspectRequest.newBuilder().setRef(name).build());
    }

    /** Collects what the scheduler sends to a CLI session. */
    private static final class Collector implements StreamObserver<SessionFrame> {
        final List<SessionFrame> frames = new CopyOnWriteArrayList<>();
        final CompletableFuture<Status> end = new CompletableFuture<>();

        @Override
        public void onNext(SessionFrame f) {
            frames.add(f);
        }

        @Override
        public void onError(Throwable t) {
            end.complete(Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
            end.complete(Status.OK);
        }
    }

    @Test
    void execFramesGoBothWaysAndTheExitEndsTheSession() throws Exception {
        var w = running("web");
        var cli = new Collector();
        var in = async.session(cli);
        in.onNext(SessionFrame.newBuilder().setOpen(SessionOpen.newBuilder().setContainer("web")
                .setExec(ExecOp.newBuilder().addCommand("sh").setTty(true))).build());
        var open = agent.await(m -> m.hasSession() && m.getSession().hasOpen(), T).getSession();
        assertEquals(w.getId(), open.getOpen().getWorkloadId(), "the scheduler names the workload for the agent");
        assertEquals(w.getPlacementVersion(), open.getOpen().getPlacementVersion());
        long id = open.getSessionId();
        assertTrue(id > 0);

        in.onNext(SessionFrame.newBuilder().setStdin(ByteString.copyFromUtf8("echo hi\n")).build());
        var stdin = agent.await(m -> m.hasSession() && m.getSession().hasStdin(), T).getSession();
        assertEquals(id, stdin.getSessionId());
        assertEquals("echo hi\n", stdin.getStdin().toStringUtf8());

        agent.send(AgentMessage.newBuilder().setSession(SessionFrame.newBuilder().setSessionId(id)
                .setStdout(ByteString.copyFromUtf8("hi\n"))).build());
        agent.send(AgentMessage.newBuilder().setSession(SessionFrame.newBuilder().setSessionId(id)
                .setExit(SessionExit.newBuilder().setExitCode(7))).build());
        assertEquals(Status.Code.OK, cli.end.get(10, TimeUnit.SECONDS).getCode());
        assertEquals("hi\n", cli.frames.get(0).getStdout().toStringUtf8());
        assertEquals(0, cli.frames.get(0).getSessionId(), "session ids stay between scheduler and agent");
        assertEquals(7, cli.frames.get(1).getExit().getExitCode());
    }

    @Test
    void aCancelledSessionIsCancelledOnTheAgent() throws Exception {
        running("web");
        var cli = new Collector();
        var call = io.grpc.stub.ClientCalls.class; // the async stub's call is cancelled through its context
        var ctx = io.grpc.Context.current().withCancellation();
        StreamObserver<SessionFrame>[] in = new StreamObserver[1];
        ctx.run(() -> in[0] = async.session(cli));
        in[0].onNext(SessionFrame.newBuilder().setOpen(SessionOpen.newBuilder().setContainer("web")
                .setExec(ExecOp.newBuilder().addCommand("top"))).build());
        long id = agent.await(m -> m.hasSession() && m.getSession().hasOpen(), T).getSession().getSessionId();
        ctx.cancel(null);
        var cancel = agent.await(m -> m.hasSession() && m.getSession().getCancel(), T).getSession();
        assertEquals(id, cancel.getSessionId());
        assertTrue(call != null);
    }

    @Test
    void sessionsToUnknownTargetsFailWithOneLine() throws Exception {
        var cli = new Collector();
        var in = async.session(cli);
        in.onNext(SessionFrame.newBuilder().setOpen(SessionOpen.newBuilder().setContainer("nope")
                .setExec(ExecOp.newBuilder().addCommand("sh"))).build());
        var status = cli.end.get(10, TimeUnit.SECONDS);
        assertEquals(Status.Code.NOT_FOUND, status.getCode());

        var cli2 = new Collector();
        async.session(cli2).onNext(SessionFrame.newBuilder().setOpen(SessionOpen.newBuilder().setNode("node-9")
                .setVolume(VolumeOp.newBuilder().setKind(VolumeOp.Kind.LIST))).build());
        var s2 = cli2.end.get(10, TimeUnit.SECONDS);
        assertEquals(Status.Code.NOT_FOUND, s2.getCode());
        assertEquals("no such node: node-9", s2.getDescription());

        var cli3 = new Collector();
        async.session(cli3).onNext(SessionFrame.newBuilder().setStdin(ByteString.copyFromUtf8("x")).build());
        assertEquals(Status.Code.INVALID_ARGUMENT, cli3.end.get(10, TimeUnit.SECONDS).getCode());
    }

    @Test
    void aNodeSessionReachesThatNodeAndFailsWhenItDisconnects() throws Exception {
        var cli = new Collector();
        async.session(cli).onNext(SessionFrame.newBuilder().setOpen(SessionOpen.newBuilder().setNode("node-1")
                .setVolume(VolumeOp.newBuilder().setKind(VolumeOp.Kind.LIST))).build());
        agent.await(m -> m.hasSession() && m.getSession().getOpen().hasVolume(), T);
        agent.hangUp();
        var status = cli.end.get(10, TimeUnit.SECONDS);
        assertEquals(Status.Code.UNAVAILABLE, status.getCode());
    }

    @Test
    void registryCredentialsReachTheAgentButAreNeverShown() throws Exception {
        var w = running("private");
        assertFalse(w.getSpec().hasRegistryAuth(), "inspect hides credentials");
        assertFalse(w.toString().contains("secret"));
        assertTrue(control.list(ListRequest.newBuilder().setAll(true).build()).getWorkloadsList().stream()
                .noneMatch(x -> x.getSpec().hasRegistryAuth()), "ps hides credentials");
        var spec = lastAssignments.getAssignmentsList().stream().filter(a -> a.getWorkloadId().equals(w.getId()))
                .findFirst().orElseThrow().getSpec();
        assertEquals("secret", spec.getRegistryAuth().getPassword(), "the agent gets them to pull");
    }

    @Test
    void eventsReplayHistoryThenFollowLiveFilteredByType() throws Exception {
        var w = running("ev");
        var history = new CopyOnWriteArrayList<Event>();
        var done = new CompletableFuture<Void>();
        var live = new CopyOnWriteArrayList<Event>();
        async.events(EventsRequest.newBuilder().setSinceNanos(1).setUntilNanos(Long.MAX_VALUE).build(), observer(history, done));
        done.get(10, TimeUnit.SECONDS);
        var actions = history.stream().map(e -> e.getType() + ":" + e.getAction()).toList();
        assertTrue(actions.contains("scheduler:leader_elected"), actions.toString());
        assertTrue(actions.contains("node:up"), actions.toString());
        assertTrue(actions.containsAll(List.of("container:created", "container:placed", "container:started")), actions.toString());

        var ctx = io.grpc.Context.current().withCancellation();
        ctx.run(() -> async.events(EventsRequest.newBuilder().addTypes("container").build(), observer(live, new CompletableFuture<>())));
        await().atMost(T).untilAsserted(() -> {
            agent.status(w.getId(), ContainerState.EXITED, 3, w.getPlacementVersion());
            assertTrue(live.stream().anyMatch(e -> e.getAction().equals("died")));
        });
        var died = live.stream().filter(e -> e.getAction().equals("died")).findFirst().orElseThrow();
        assertEquals("3", died.getAttributesMap().get("exitCode"));
        assertEquals("ev", died.getName());
        assertEquals("node-1", died.getNode());
        assertTrue(live.stream().allMatch(e -> e.getType().equals("container")));
        ctx.cancel(null);

        var bad = new CompletableFuture<Void>();
        async.events(EventsRequest.newBuilder().addTypes("volcano").build(), observer(new CopyOnWriteArrayList<>(), bad));
        var failure = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
                () -> bad.get(10, TimeUnit.SECONDS));
        assertEquals(Status.Code.INVALID_ARGUMENT, Status.fromThrowable(failure.getCause()).getCode());
    }

    private static StreamObserver<Event> observer(List<Event> into, CompletableFuture<Void> done) {
        return new StreamObserver<>() {
            @Override
            public void onNext(Event e) {
                into.add(e);
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                done.complete(null);
            }
        };
    }
}
