package io.gantry.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gantry.telemetry.Labels.ContainerState;
import io.gantry.telemetry.Labels.NodeState;
import io.gantry.telemetry.Labels.PendingReason;
import io.gantry.telemetry.Labels.PlacementOutcome;
import io.gantry.telemetry.Labels.ZkOp;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SchedulerMetricsTest {
    private final TelemetryRegistry telemetry = TelemetryRegistry.create("scheduler", "s1", false);
    private final SchedulerMetrics metrics = new SchedulerMetrics(telemetry.registry());

    @AfterEach
    void close() {
        telemetry.close();
    }

    private String scrape() {
        return telemetry.registry().scrape();
    }

    @Test
    void everyLabelValueHasASeriesFromTheStart() {
        String s = scrape();
        for (NodeState state : NodeState.values()) {
            assertEquals(0, Scrapes.value(s, "gantry_nodes{component=\"scheduler\",node=\"s1\",state=\"" + state.label() + "\"}"));
        }
        for (ContainerState state : ContainerState.values()) {
            assertEquals(0, Scrapes.value(s, "gantry_containers{component=\"scheduler\",node=\"s1\",state=\"" + state.label() + "\"}"));
        }
        for (PendingReason reason : PendingReason.values()) {
            assertEquals(0, Scrapes.value(s, "gantry_pending_workloads{component=\"scheduler\",node=\"s1\",reason=\"" + reason.label() + "\"}"));
        }
        assertTrue(Scrapes.sampleNames(s).containsAll(java.util.List.of("gantry_placements_total",
                "gantry_placement_duration_seconds_bucket", "gantry_evaluation_queue_depth", "gantry_leader",
                "gantry_leadership_changes_total", "gantry_zookeeper_operation_duration_seconds_bucket",
                "gantry_zookeeper_operation_errors_total")), Scrapes.sampleNames(s).toString());
    }

    @Test
    void gaugeMapsReplaceAllValues() {
        metrics.setNodes(Map.of(NodeState.READY, 3, NodeState.DOWN, 1));
        metrics.setNodes(Map.of(NodeState.READY, 2));
        metrics.setContainers(Map.of(ContainerState.RUNNING, 7L));
        metrics.setPendingWorkloads(Map.of(PendingReason.INSUFFICIENT_MEMORY, 2));
        metrics.setEvaluationQueueDepth(5);
        String s = scrape();
        assertEquals(2, Scrapes.value(s, "gantry_nodes{component=\"scheduler\",node=\"s1\",state=\"ready\"}"));
        assertEquals(0, Scrapes.value(s, "gantry_nodes{component=\"scheduler\",node=\"s1\",state=\"down\"}"));
        assertEquals(7, Scrapes.value(s, "gantry_containers{component=\"scheduler\",node=\"s1\",state=\"running\"}"));
        assertEquals(2, Scrapes.value(s, "gantry_pending_workloads{component=\"scheduler\",node=\"s1\",reason=\"insufficient_memory\"}"));
        assertEquals(5, Scrapes.value(s, "gantry_evaluation_queue_depth{"));
    }

    @Test
    void leaderGaugeAndChanges() {
        metrics.setLeader(false); // no change from the initial follower state
        assertEquals(0, Scrapes.value(scrape(), "gantry_leadership_changes_total{"));
        metrics.setLeader(true);
        metrics.setLeader(true);
        assertEquals(1, Scrapes.value(scrape(), "gantry_leader{"));
        metrics.setLeader(false);
        String s = scrape();
        assertEquals(0, Scrapes.value(s, "gantry_leader{"));
        assertEquals(2, Scrapes.value(s, "gantry_leadership_changes_total{"));
    }

    @Test
    void placementsCountAndFillHistogramBuckets() {
        metrics.placement(PlacementOutcome.PLACED, Duration.ofMillis(3));
        metrics.placement(PlacementOutcome.PLACED, Duration.ofMillis(30));
        metrics.placement(PlacementOutcome.UNPLACEABLE, Duration.ofMillis(1));
        String s = scrape();
        assertEquals(2, Scrapes.value(s, "gantry_placements_total{component=\"scheduler\",node=\"s1\",outcome=\"placed\"}"));
        assertEquals(1, Scrapes.value(s, "gantry_placements_total{component=\"scheduler\",node=\"s1\",outcome=\"unplaceable\"}"));
        assertEquals(1, Scrapes.value(s, "gantry_placement_duration_seconds_bucket{component=\"scheduler\",node=\"s1\",outcome=\"placed\",le=\"0.005\"}"));
        assertEquals(2, Scrapes.value(s, "gantry_placement_duration_seconds_bucket{component=\"scheduler\",node=\"s1\",outcome=\"placed\",le=\"0.05\"}"));
        assertEquals(2, Scrapes.value(s, "gantry_placement_duration_seconds_count{component=\"scheduler\",node=\"s1\",outcome=\"placed\"}"));
    }

    @Test
    void zooKeeperTimingCountsErrors() throws Exception {
        assertEquals("v", metrics.timeZooKeeper(ZkOp.GET, () -> "v"));
        assertThrows(IOException.class, () -> metrics.timeZooKeeper(ZkOp.CREATE, () -> { throw new IOException("boom"); }));
        String s = scrape();
        assertEquals(1, Scrapes.value(s, "gantry_zookeeper_operation_duration_seconds_count{component=\"scheduler\",node=\"s1\",op=\"get\"}"));
        assertEquals(0, Scrapes.value(s, "gantry_zookeeper_operation_errors_total{component=\"scheduler\",node=\"s1\",op=\"get\"}"));
        assertEquals(1, Scrapes.value(s, "gantry_zookeeper_operation_errors_total{component=\"scheduler\",node=\"s1\",op=\"create\"}"));
    }

    /** micrometer-core's gRPC binder against grpc-java 1.83, renamed under gantry_. */
    @Test
    void grpcInterceptorCountsAndTimesCallsByMethodAndStatus() throws Exception {
        MethodDescriptor<byte[], byte[]> echo = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName("test.Echo", "Echo"))
                .setRequestMarshaller(new BytesMarshaller()).setResponseMarshaller(new BytesMarshaller()).build();
        var service = ServerServiceDefinition.builder("test.Echo")
                .addMethod(echo, ServerCalls.asyncUnaryCall((request, observer) -> {
                    if (request.length == 0) {
                        observer.onError(Status.NOT_FOUND.withDescription("empty").asRuntimeException());
                    } else {
                        observer.onNext(request);
                        observer.onCompleted();
                    }
                })).build();
        String name = InProcessServerBuilder.generateName();
        Server server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(ServerInterceptors.intercept(service, metrics.grpcServerInterceptor())).build().start();
        ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        try {
            assertEquals(3, ClientCalls.blockingUnaryCall(channel, echo, CallOptions.DEFAULT, new byte[] {1, 2, 3}).length);
            ClientCalls.blockingUnaryCall(channel, echo, CallOptions.DEFAULT, new byte[] {1});
            var e = assertThrows(StatusRuntimeException.class,
                    () -> ClientCalls.blockingUnaryCall(channel, echo, CallOptions.DEFAULT, new byte[0]));
            assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
        } finally {
            channel.shutdownNow();
            server.shutdownNow().awaitTermination();
        }
        String s = scrape();
        assertEquals(3, Scrapes.value(s, "gantry_grpc_server_requests_received_messages_total{component=\"scheduler\",method=\"Echo\""));
        assertEquals(2, Scrapes.value(s, "gantry_grpc_server_processing_duration_seconds_count{component=\"scheduler\",method=\"Echo\",method_type=\"UNARY\",node=\"s1\",service=\"test.Echo\",status_code=\"OK\"}"));
        assertEquals(1, Scrapes.value(s, "gantry_grpc_server_processing_duration_seconds_count{component=\"scheduler\",method=\"Echo\",method_type=\"UNARY\",node=\"s1\",service=\"test.Echo\",status_code=\"NOT_FOUND\"}"));
        assertTrue(s.contains("gantry_grpc_server_processing_duration_seconds_bucket{"), "histogram buckets");
    }

    private static final class BytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
