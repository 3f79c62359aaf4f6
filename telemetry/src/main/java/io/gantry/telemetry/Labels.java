package io.gantry.telemetry;

/**
 * The bounded label values of the gantry_ metrics. Every enum below lists ALL values a label can take;
 * the facades pre-register one series per value so dashboards see zeros instead of gaps.
 */
public final class Labels {
    private Labels() {}

    /** A label value: lowercase, stable, part of the metrics contract. */
    public interface LabelValue {
        String label();
    }

    /** {@code gantry_nodes{state}}: ready, down, draining (ready but drained), unknown. */
    public enum NodeState implements LabelValue {
        READY, DOWN, DRAINING, UNKNOWN;
        @Override public String label() { return name().toLowerCase(java.util.Locale.ROOT); }
    }

    /** {@code gantry_containers{state}}: mirrors the proto ContainerState (REMOVED is never counted). */
    public enum ContainerState implements LabelValue {
        PENDING, PULLING, STARTING, RUNNING, EXITED, FAILED, STOPPING, PAUSED, UNKNOWN;
        @Override public String label() { return name().toLowerCase(java.util.Locale.ROOT); }
    }

    /** {@code gantry_pending_workloads{reason}}: why the placement core could not place a workload. */
    public enum PendingReason implements LabelValue {
        /** No node has enough free CPU. */
        INSUFFICIENT_CPU,
        /** No node has enough free memory. */
        INSUFFICIENT_MEMORY,
        /** Constraints (node.name, node.labels.*) exclude every node. */
        CONSTRAINTS,
        /** A requested host port is taken on every candidate node. */
        PORT_CONFLICT,
        /** No ready, active node at all. */
        NO_NODES,
        /** Placed nowhere yet for another reason (e.g. waiting for the next evaluation). */
        OTHER;
        @Override public String label() { return name().toLowerCase(java.util.Locale.ROOT); }
    }

    /** {@code gantry_placements_total{outcome}} and {@code gantry_placement_duration_seconds{outcome}}. */
    public enum PlacementOutcome implements LabelValue {
        /** The workload got a node. */
        PLACED,
        /** No node fits; the workload stays pending. */
        UNPLACEABLE;
        @Override public String label() { return name().toLowerCase(java.util.Locale.ROOT); }
    }

    /** {@code gantry_zookeeper_operation_*{op}}. */
    public enum ZkOp implements LabelValue {
        CREATE, GET, SET, DELETE, CHILDREN, EXISTS, TRANSACTION, OTHER;
        @Override public String label() { return name().toLowerCase(java.util.Locale.ROOT); }
    }

    /** {@code gantry_image_pull_duration_seconds{outcome}}. */
    public enum PullOutcome implements LabelValue {
        SUCCESS, FAILURE;
        @Override public String label() { return name().toLowerCase(java.util.Locale.ROOT); }
    }

    /** {@code gantry_container_start_failures_total{reason}}. */
    public enum StartFailure implements LabelValue {
        /** The image could not be pulled or unpacked. */
        IMAGE,
        /** The OCI bundle / rootfs / network could not be prepared. */
        SETUP,
        /** runc/conmon refused to create or start the container. */
        RUNTIME,
        OTHER;
        @Override public String label() { return name().toLowerCase(java.util.Locale.ROOT); }
    }
}
