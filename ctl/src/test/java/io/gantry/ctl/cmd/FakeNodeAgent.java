package io.gantry.ctl.cmd;

import io.gantry.proto.AgentLinkGrpc;
import io.gantry.proto.AgentMessage;
import io.gantry.proto.Heartbeat;
import io.gantry.proto.Register;
import io.gantry.proto.SchedulerMessage;
import io.gantry.proto.SessionExit;
import io.gantry.proto.SessionFrame;
import io.gantry.proto.SessionOpen;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * An agent speaking AgentLink.Connect that answers node sessions from a script: what the CLI's commands see from
 * a real agent (frames, then a SessionExit), without containers. Heartbeats keep it READY.
 */
final class FakeNodeAgent implements AutoCloseable {
    /** Answers one opened session; runs on its own thread so it may pause between frames. */
    @FunctionalInterface
    interface Script {
        void answer(SessionOpen open, Replies replies) throws Exception;
    }

    /** The agent's side of one session. */
    final class Replies {
        private final long id;
        volatile boolean cancelled;

        Replies(long id) {
            this.id = id;
        }

        void send(SessionFrame.Builder frame) {
            FakeNodeAgent.this.send(AgentMessage.newBuilder().setSession(frame.setSessionId(id)).build());
        }

        void exit(int code) {
            send(SessionFrame.newBuilder().setExit(SessionExit.newBuilder().setExitCode(code)));
        }

        void fail(Status.Code code, String message) {
            send(SessionFrame.newBuilder().setExit(SessionExit.newBuilder().setExitCode(1).setError(message)
                    .setStatusCode(code.value())));
        }
    }

    final String name;
    final List<SessionOpen> opened = new CopyOnWriteArrayList<>();
    final List<SessionFrame> received = new CopyOnWriteArrayList<>();
    /** Workload id -> container name, of what the scheduler placed here. */
    final java.util.Map<String, String> running = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Map<Long, Replies> sessions = new java.util.concurrent.ConcurrentHashMap<>();
    private final ManagedChannel channel;
    private final StreamObserver<AgentMessage> out;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final CountDownLatch registered = new CountDownLatch(1);
    volatile Script script = (open, r) -> r.exit(0);

    FakeNodeAgent(String address, String name) {
        this.name = name;
        this.channel = NettyChannelBuilder.forTarget(address).usePlaintext().build();
        this.out = AgentLinkGrpc.newStub(channel).connect(new StreamObserver<>() {
            @Override
            public void onNext(SchedulerMessage m) {
                if (m.hasRegistered()) {
                    registered.countDown();
                } else if (m.hasAssignments()) {
                    onAssignments(m.getAssignments());
                } else if (m.hasSession()) {
                    onSession(m.getSession());
                }
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        });
        send(AgentMessage.newBuilder().setRegister(Register.newBuilder().setNodeName(name).setAddress("127.0.0.1:0")
                .setCpuMillis(2000).setMemoryBytes(2L << 30).setAgentVersion("fake")).build());
        timer.scheduleAtFixedRate(() -> send(AgentMessage.newBuilder()
                .setHeartbeat(Heartbeat.newBuilder().setSentAtMs(System.currentTimeMillis())).build()), 200, 200, TimeUnit.MILLISECONDS);
    }

    FakeNodeAgent awaitRegistered() throws InterruptedException {
        if (!registered.await(10, TimeUnit.SECONDS)) {
            throw new AssertionError(name + ": not registered");
        }
        return this;
    }

    /** Containers "run" at once: every assignment desired running is reported RUNNING (name by workload id). */
    private void onAssignments(io.gantry.proto.Assignments a) {
        for (var x : a.getAssignmentsList()) {
            if (x.getDesired() == io.gantry.proto.DesiredState.DESIRED_RUNNING && running.put(x.getWorkloadId(), x.getSpec().getName()) == null) {
                send(AgentMessage.newBuilder().setStatus(io.gantry.proto.ContainerStatus.newBuilder().setWorkloadId(x.getWorkloadId())
                        .setState(io.gantry.proto.ContainerState.RUNNING).setPlacementVersion(x.getPlacementVersion())
                        .setStartedAtMs(System.currentTimeMillis())).build());
            }
        }
    }

    private void onSession(SessionFrame f) {
        received.add(f);
        if (f.hasOpen()) {
            opened.add(f.getOpen());
            Replies r = new Replies(f.getSessionId());
            sessions.put(f.getSessionId(), r);
            Thread.ofVirtual().start(() -> {
                try {
                    script.answer(f.getOpen(), r);
                } catch (Exception e) {
                    r.fail(Status.Code.INTERNAL, String.valueOf(e.getMessage()));
                }
            });
        } else if (f.getCancel()) {
            Replies r = sessions.get(f.getSessionId());
            if (r != null) {
                r.cancelled = true;
            }
        }
    }

    private synchronized void send(AgentMessage m) {
        try {
            out.onNext(m);
        } catch (RuntimeException ignored) {
            // the stream is gone
        }
    }

    @Override
    public void close() throws InterruptedException {
        timer.shutdownNow();
        try {
            synchronized (this) {
                out.onCompleted();
            }
        } catch (RuntimeException ignored) {
            // already closed
        }
        channel.shutdownNow();
        channel.awaitTermination(5, TimeUnit.SECONDS);
    }
}
