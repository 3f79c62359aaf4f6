package io.gantry.ctl.cli;

import io.gantry.proto.ControlGrpc;
import io.gantry.proto.ListRequest;
import io.gantry.proto.ListResponse;
import io.gantry.proto.Workload;
import io.gantry.scheduler.LeaderRedirect;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The CLI follows a follower's pointer to the leader and skips schedulers that are down. */
class SchedulerClientTest {

    private static Server serve(ControlGrpc.ControlImplBase impl) throws Exception {
        return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(impl).build().start();
    }

    @Test
    void followsTheLeaderNamedByAFollower() throws Exception {
        Server leader = serve(new ControlGrpc.ControlImplBase() {
            @Override
            public void list(ListRequest request, StreamObserver<ListResponse> out) {
                out.onNext(ListResponse.newBuilder().addWorkloads(Workload.newBuilder().setId("abc")).build());
                out.onCompleted();
            }
        });
        String leaderAddr = "127.0.0.1:" + leader.getPort();
        Server follower = serve(new ControlGrpc.ControlImplBase() {
            @Override
            public void list(ListRequest request, StreamObserver<ListResponse> out) {
                Metadata trailers = new Metadata();
                trailers.put(LeaderRedirect.LEADER_KEY, leaderAddr);
                out.onError(Status.FAILED_PRECONDITION.withDescription("not the leader; leader is " + leaderAddr).asRuntimeException(trailers));
            }
        });
        try (SchedulerClient client = new SchedulerClient(List.of("127.0.0.1:1", "127.0.0.1:" + follower.getPort()))) {
            ListResponse r = client.call(s -> s.list(ListRequest.getDefaultInstance()));
            assertThat(r.getWorkloads(0).getId()).isEqualTo("abc");
        } finally {
            leader.shutdownNow();
            follower.shutdownNow();
        }
    }

    @Test
    void nothingReachableIsOneClearLine() {
        try (SchedulerClient client = new SchedulerClient(List.of("127.0.0.1:1"))) {
            assertThatThrownBy(() -> client.call(s -> s.list(ListRequest.getDefaultInstance())))
                    .isInstanceOf(CliException.class)
                    .hasMessageStartingWith("cannot reach the scheduler at 127.0.0.1:1");
        }
    }

    @Test
    void waitsWhileLeadershipIsBeingTakenOver() throws Exception {
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        Server taking = serve(new ControlGrpc.ControlImplBase() {
            @Override
            public void list(ListRequest request, StreamObserver<ListResponse> out) {
                if (calls.incrementAndGet() < 3) {
                    out.onError(Status.UNAVAILABLE.withDescription("no scheduler is leader yet" + io.gantry.proto.LeaderTrailer.LEADER_PENDING_SUFFIX)
                            .asRuntimeException());
                    return;
                }
                out.onNext(ListResponse.getDefaultInstance());
                out.onCompleted();
            }
        });
        try (SchedulerClient client = new SchedulerClient(List.of("127.0.0.1:" + taking.getPort()))) {
            client.call(s -> s.list(ListRequest.getDefaultInstance()));
            assertThat(calls.get()).isEqualTo(3);
        } finally {
            taking.shutdownNow();
        }
    }

    @Test
    void otherUnavailableErrorsAreNotRetried() throws Exception {
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        Server down = serve(new ControlGrpc.ControlImplBase() {
            @Override
            public void list(ListRequest request, StreamObserver<ListResponse> out) {
                calls.incrementAndGet();
                out.onError(Status.UNAVAILABLE.withDescription("node n1 is not connected").asRuntimeException());
            }
        });
        try (SchedulerClient client = new SchedulerClient(List.of("127.0.0.1:" + down.getPort()))) {
            assertThatThrownBy(() -> client.call(s -> s.list(ListRequest.getDefaultInstance())))
                    .hasMessageContaining("node n1 is not connected");
            assertThat(calls.get()).isEqualTo(1);
        } finally {
            down.shutdownNow();
        }
    }
}
