package io.gantry.agent;

import io.gantry.proto.AgentLinkGrpc;
import io.gantry.proto.AgentMessage;
import io.gantry.proto.Registered;
import io.gantry.proto.SchedulerMessage;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

/** An in-process AgentLink server that records what agents send and lets the test talk back. */
public final class FakeScheduler implements AutoCloseable {
    public final String name;
    public final List<AgentMessage> received = Collections.synchronizedList(new ArrayList<>());
    private final Server server;
    private volatile StreamObserver<SchedulerMessage> agent;
    /** When set, this scheduler is a follower: it rejects streams and names the leader. */
    public volatile String redirectTo;
    public volatile int connects;

    public FakeScheduler() throws IOException {
        this("fake-scheduler-" + UUID.randomUUID());
    }

    public static FakeScheduler named(String name) throws IOException {
        return new FakeScheduler(name);
    }

    private FakeScheduler(String name) throws IOException {
        this.name = name;
        server = InProcessServerBuilder.forName(name).addService(new AgentLinkGrpc.AgentLinkImplBase() {
            @Override
            public StreamObserver<AgentMessage> connect(StreamObserver<SchedulerMessage> responses) {
                connects++;
                if (redirectTo != null) {
                    Metadata trailers = new Metadata();
                    trailers.put(Metadata.Key.of("gantry-leader", Metadata.ASCII_STRING_MARSHALLER), redirectTo);
                    responses.onError(Status.FAILED_PRECONDITION.withDescription("not the leader").asRuntimeException(trailers));
                    return new StreamObserver<>() {
                        public void onNext(AgentMessage m) { }
                        public void onError(Throwable t) { }
                        public void onCompleted() { }
                    };
                }
                agent = responses;
                return new StreamObserver<>() {
                    @Override
                    public void onNext(AgentMessage m) {
                        received.add(m);
                        if (m.hasRegister()) {
                            // To this stream, not the latest one: many hollow agents connect at once.
                            synchronized (FakeScheduler.this) {
                                responses.onNext(SchedulerMessage.newBuilder().setRegistered(Registered.newBuilder()
                                        .setHeartbeatIntervalMs(100).setDefaultRegistry("127.0.0.1:5999")).build());
                            }
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                        responses.onCompleted();
                    }
                };
            }
        }).build().start();
    }

    public String address() {
        return "inprocess:" + name;
    }

    public synchronized void send(SchedulerMessage m) {
        agent.onNext(m);
    }

    public List<AgentMessage> snapshot() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    @Override
    public void close() {
        server.shutdownNow();
    }
}
