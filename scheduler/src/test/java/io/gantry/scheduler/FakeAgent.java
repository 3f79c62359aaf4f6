package io.gantry.scheduler;

import io.gantry.proto.AgentLinkGrpc;
import io.gantry.proto.AgentMessage;
import io.gantry.proto.Assignments;
import io.gantry.proto.ContainerState;
import io.gantry.proto.ContainerStatus;
import io.gantry.proto.Heartbeat;
import io.gantry.proto.LogChunk;
import io.gantry.proto.LogEntry;
import io.gantry.proto.Register;
import io.gantry.proto.SchedulerMessage;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A test agent speaking AgentLink.Connect: records what the scheduler sends, reports what the test says. */
final class FakeAgent implements AutoCloseable {
    final String name;
    final BlockingQueue<SchedulerMessage> received = new LinkedBlockingQueue<>();
    private final ManagedChannel channel;
    private final StreamObserver<AgentMessage> out;
    volatile Throwable error;
    volatile boolean completed;

    FakeAgent(String address, String name) {
        this.name = name;
        this.channel = NettyChannelBuilder.forTarget(address).usePlaintext().build();
        this.out = AgentLinkGrpc.newStub(channel).connect(new StreamObserver<>() {
            @Override
            public void onNext(SchedulerMessage m) {
                received.add(m);
            }

            @Override
            public void onError(Throwable t) {
                error = t;
            }

            @Override
            public void onCompleted() {
                completed = true;
            }
        });
    }

    volatile io.gantry.proto.Registered registered;

    /** Registers and waits for the Registered reply (the scheduler's first message), or for a stream error. */
    FakeAgent register(long cpuMillis, long memoryBytes, ContainerStatus... known) {
        send(AgentMessage.newBuilder().setRegister(Register.newBuilder().setNodeName(name).setAddress("127.0.0.1:0")
                .setCpuMillis(cpuMillis).setMemoryBytes(memoryBytes).setAgentVersion("fake")
                .addAllContainers(List.of(known))).build());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        try {
            while (error == null && System.nanoTime() < deadline) {
                var m = received.poll(50, TimeUnit.MILLISECONDS);
                if (m != null && m.hasRegistered()) {
                    registered = m.getRegistered();
                    return this;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (error == null) {
            throw new AssertionError(name + ": no Registered reply");
        }
        return this;
    }

    synchronized void send(AgentMessage m) {
        out.onNext(m);
    }

    void heartbeat() {
        send(AgentMessage.newBuilder().setHeartbeat(Heartbeat.newBuilder().setSentAtMs(System.currentTimeMillis())).build());
    }

    void status(String id, ContainerState state, int exitCode, long placementVersion) {
        send(AgentMessage.newBuilder().setStatus(ContainerStatus.newBuilder().setWorkloadId(id).setState(state)
                .setExitCode(exitCode).setPlacementVersion(placementVersion)
                .setStartedAtMs(1000).setFinishedAtMs(state == ContainerState.EXITED ? 2000 : 0)).build());
    }

    void logs(long requestId, boolean done, String... lines) {
        var chunk = LogChunk.newBuilder().setRequestId(requestId).setDone(done);
        for (String line : lines) {
            chunk.addEntries(LogEntry.newBuilder().setLine(com.google.protobuf.ByteString.copyFromUtf8(line)));
        }
        send(AgentMessage.newBuilder().setLogChunk(chunk).build());
    }

    /** Waits for the next message matching {@code p}, skipping others. */
    SchedulerMessage await(Predicate<SchedulerMessage> p, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            var m = received.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
            if (m == null) {
                throw new AssertionError(name + ": no matching message within " + timeout + (error == null ? "" : "; stream error " + error));
            }
            if (p.test(m)) {
                return m;
            }
        }
    }

    /** Waits for Assignments satisfying {@code p}. */
    Assignments awaitAssignments(Predicate<Assignments> p) throws InterruptedException {
        return await(m -> m.hasAssignments() && p.test(m.getAssignments()), Duration.ofSeconds(10)).getAssignments();
    }

    Optional<Status> errorStatus() {
        return error == null ? Optional.empty() : Optional.of(Status.fromThrowable(error));
    }

    void hangUp() {
        out.onCompleted();
    }

    @Override
    public void close() throws InterruptedException {
        try {
            out.onCompleted();
        } catch (RuntimeException ignored) {
            // already closed
        }
        channel.shutdownNow();
        channel.awaitTermination(5, TimeUnit.SECONDS);
    }

    static List<String> ids(Assignments a) {
        var ids = new ArrayList<String>();
        a.getAssignmentsList().forEach(x -> ids.add(x.getWorkloadId()));
        return ids;
    }
}
