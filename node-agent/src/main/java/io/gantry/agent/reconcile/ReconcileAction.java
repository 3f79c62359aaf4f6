package io.gantry.agent.reconcile;

import io.gantry.proto.Assignment;
import java.time.Duration;

/** One thing the agent must do to move its containers toward the desired set. */
public sealed interface ReconcileAction {
    String workloadId();

    /** Pull and start a container that does not exist locally. */
    record Start(Assignment assignment) implements ReconcileAction {
        public String workloadId() {
            return assignment.getWorkloadId();
        }
    }

    /** A newer placement of a workload we still have: remove the old container, then start the new one. */
    record Replace(Assignment assignment) implements ReconcileAction {
        public String workloadId() {
            return assignment.getWorkloadId();
        }
    }

    /** Stop gracefully: stop signal, then SIGKILL after the timeout. */
    record Stop(String workloadId, Duration timeout) implements ReconcileAction {
    }

    /** Freeze a running container ({@code runc pause}). */
    record Pause(String workloadId) implements ReconcileAction {
    }

    /** Thaw a paused container ({@code runc resume}). */
    record Resume(String workloadId) implements ReconcileAction {
    }

    /** Kill if needed and remove everything the container left on the node. */
    record Remove(String workloadId) implements ReconcileAction {
    }
}
