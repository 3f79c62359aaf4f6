package io.gantry.telemetry;

import io.gantry.telemetry.Labels.ContainerState;
import io.gantry.telemetry.Labels.NodeState;
import io.gantry.telemetry.Labels.PendingReason;
import io.gantry.telemetry.Labels.PlacementOutcome;
import io.gantry.telemetry.Labels.ZkOp;
import io.grpc.ServerInterceptor;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.grpc.MetricCollectingServerInterceptor;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The scheduler's metrics. This class owns every scheduler metric name (the Grafana dashboard queries them):
 * <ul>
 * <li>{@code gantry_placements_total{outcome}} counter, {@code gantry_placement_duration_seconds{outcome}} histogram
 *     (outcome: placed, unplaceable)</li>
 * <li>{@code gantry_evaluation_queue_depth} gauge</li>
 * <li>{@code gantry_pending_workloads{reason}} gauge (reason: {@link PendingReason})</li>
 * <li>{@code gantry_nodes{state}} gauge (state: {@link NodeState})</li>
 * <li>{@code gantry_containers{state}} gauge (state: {@link ContainerState})</li>
 * <li>{@code gantry_leader} gauge 1/0, {@code gantry_leadership_changes_total} counter</li>
 * <li>{@code gantry_zookeeper_operation_duration_seconds{op}} histogram,
 *     {@code gantry_zookeeper_operation_errors_total{op}} counter (op: {@link ZkOp})</li>
 * <li>gRPC (micrometer's binder, renamed): {@code gantry_grpc_server_requests_received_messages_total},
 *     {@code gantry_grpc_server_responses_sent_messages_total}, {@code gantry_grpc_server_processing_duration_seconds}
 *     with labels service, method, methodType, statusCode (bounded by the proto)</li>
 * </ul>
 * Thread-safe. Gauges are set: the scheduler pushes whole count maps after each evaluation.
 */
public final class SchedulerMetrics {
    public static final String PLACEMENTS = "gantry.placements";
    public static final String PLACEMENT_DURATION = "gantry.placement.duration";
    public static final String EVALUATION_QUEUE_DEPTH = "gantry.evaluation.queue.depth";
    public static final String PENDING_WORKLOADS = "gantry.pending.workloads";
    public static final String NODES = "gantry.nodes";
    public static final String CONTAINERS = "gantry.containers";
    public static final String LEADER = "gantry.leader";
    public static final String LEADERSHIP_CHANGES = "gantry.leadership.changes";
    public static final String ZK_DURATION = "gantry.zookeeper.operation.duration";
    public static final String ZK_ERRORS = "gantry.zookeeper.operation.errors";

    /** Placement is an in-memory computation: milliseconds matter. */
    static final Duration[] PLACEMENT_BUCKETS = buckets(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5);
    /** ZooKeeper round trips: sub-millisecond on loopback, seconds when the ensemble struggles. */
    static final Duration[] ZK_BUCKETS = buckets(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5);
    static final Duration[] GRPC_BUCKETS = buckets(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30);

    private final MeterRegistry registry;
    private final Map<PlacementOutcome, Counter> placements = new EnumMap<>(PlacementOutcome.class);
    private final Map<PlacementOutcome, Timer> placementDurations = new EnumMap<>(PlacementOutcome.class);
    private final AtomicLong queueDepth = new AtomicLong();
    private final StateGauges<PendingReason> pending;
    private final StateGauges<NodeState> nodes;
    private final StateGauges<ContainerState> containers;
    private final AtomicBoolean leader = new AtomicBoolean();
    private final Counter leadershipChanges;
    private final Map<ZkOp, Timer> zkDurations = new EnumMap<>(ZkOp.class);
    private final Map<ZkOp, Counter> zkErrors = new EnumMap<>(ZkOp.class);

    public SchedulerMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (PlacementOutcome outcome : PlacementOutcome.values()) {
            placements.put(outcome, Counter.builder(PLACEMENTS)
                    .description("Placement decisions by outcome")
                    .tag("outcome", outcome.label()).register(registry));
            placementDurations.put(outcome, Timer.builder(PLACEMENT_DURATION)
                    .description("Time to compute one placement decision")
                    .tag("outcome", outcome.label())
                    .serviceLevelObjectives(PLACEMENT_BUCKETS)
                    .register(registry));
        }
        Gauge.builder(EVALUATION_QUEUE_DEPTH, queueDepth, AtomicLong::get)
                .description("Evaluations waiting to be processed").register(registry);
        pending = new StateGauges<>(registry, PENDING_WORKLOADS, "Workloads waiting for a node, by reason",
                "reason", PendingReason.class);
        nodes = new StateGauges<>(registry, NODES, "Nodes by state", "state", NodeState.class);
        containers = new StateGauges<>(registry, CONTAINERS, "Workloads (containers) by state", "state",
                ContainerState.class);
        Gauge.builder(LEADER, leader, b -> b.get() ? 1 : 0)
                .description("1 if this scheduler is the leader, else 0").register(registry);
        leadershipChanges = Counter.builder(LEADERSHIP_CHANGES)
                .description("Times this scheduler gained or lost leadership").register(registry);
        for (ZkOp op : ZkOp.values()) {
            zkDurations.put(op, Timer.builder(ZK_DURATION)
                    .description("ZooKeeper operation latency").tag("op", op.label())
                    .serviceLevelObjectives(ZK_BUCKETS).register(registry));
            zkErrors.put(op, Counter.builder(ZK_ERRORS)
                    .description("ZooKeeper operations that failed").tag("op", op.label()).register(registry));
        }
    }

    /** One placement decision and how long it took. */
    public void placement(PlacementOutcome outcome, Duration took) {
        placements.get(outcome).increment();
        placementDurations.get(outcome).record(took);
    }

    public void setEvaluationQueueDepth(long depth) {
        queueDepth.set(depth);
    }

    /** Replaces all pending counts; reasons absent from the map read 0. */
    public void setPendingWorkloads(Map<PendingReason, ? extends Number> byReason) {
        pending.set(byReason);
    }

    /** Replaces all node counts; states absent from the map read 0. */
    public void setNodes(Map<NodeState, ? extends Number> byState) {
        nodes.set(byState);
    }

    /** Replaces all container counts; states absent from the map read 0. */
    public void setContainers(Map<ContainerState, ? extends Number> byState) {
        containers.set(byState);
    }

    /** Sets the leader gauge; a change of value also counts one leadership change. */
    public void setLeader(boolean isLeader) {
        if (leader.getAndSet(isLeader) != isLeader) {
            leadershipChanges.increment();
        }
    }

    public boolean isLeader() {
        return leader.get();
    }

    /** Records one finished ZooKeeper operation (failed ones count as errors too). */
    public void zooKeeper(ZkOp op, Duration took, boolean failed) {
        zkDurations.get(op).record(took);
        if (failed) {
            zkErrors.get(op).increment();
        }
    }

    /** Runs and times one ZooKeeper operation; an exception counts as an error and is rethrown. */
    public <T> T timeZooKeeper(ZkOp op, Callable<T> operation) throws Exception {
        long start = System.nanoTime();
        boolean failed = true;
        try {
            T result = operation.call();
            failed = false;
            return result;
        } finally {
            zooKeeper(op, Duration.ofNanos(System.nanoTime() - start), failed);
        }
    }

    /**
     * A gRPC server interceptor counting requests/responses and timing calls per method and status code.
     * Add it with {@code ServerInterceptors.intercept(service, interceptor)} or {@code serverBuilder.intercept(..)}.
     */
    public ServerInterceptor grpcServerInterceptor() {
        return new MetricCollectingServerInterceptor(registry, counter -> counter,
                timer -> timer.serviceLevelObjectives(GRPC_BUCKETS), io.grpc.Status.Code.OK);
    }

    static Duration[] buckets(double... seconds) {
        var result = new Duration[seconds.length];
        for (int i = 0; i < seconds.length; i++) {
            result[i] = Duration.ofNanos(Math.round(seconds[i] * 1e9));
        }
        return result;
    }
}
