package io.gantry.agent.runtime;

import io.gantry.agent.reconcile.LocalContainer;
import io.gantry.proto.Assignment;
import io.gantry.proto.ContainerStatus;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What the node agent needs from whatever runs its containers: the real runc/conmon
 * {@link ContainerRuntime}, or a simulated one for hollow nodes. Every operation is asynchronous;
 * state changes go to the {@link ContainerRuntime.StatusListener} the runtime was built with.
 */
public interface AgentRuntime extends AutoCloseable {
    /** Containers found from an earlier run of the agent (adopted and watched again). */
    List<ContainerStatus> recover() throws IOException;

    List<ContainerStatus> statuses();

    /** What the reconciler needs to know about each local container. */
    Map<String, LocalContainer> localView();

    CompletableFuture<Void> run(Assignment assignment);

    CompletableFuture<Void> stop(String id, Duration timeout);

    CompletableFuture<Void> remove(String id);

    /**
     * A newer placement of a container this runtime has ({@code start}, {@code restart}): graceful stop, removal,
     * then the new one. The real runtime keeps the log across it (as Docker's start does).
     */
    default CompletableFuture<Void> replace(Assignment assignment, Duration stopTimeout) {
        String id = assignment.getWorkloadId();
        return stop(id, stopTimeout).thenCompose(v -> remove(id)).thenRun(() -> run(assignment));
    }

    /**
     * Delivers {@code signal} (e.g. "SIGHUP") to the container of that placement if it is running: {@code gantry kill}.
     * Not a user stop: the restart policy still applies when the container exits. Ignored for unknown ids,
     * other placements and containers that do not run.
     */
    /** Freezes a running container ({@code runc pause}: the freezer cgroup); reports PAUSED. */
    default CompletableFuture<Void> pause(String id) {
        return CompletableFuture.completedFuture(null);
    }

    /** Thaws a paused container ({@code runc resume}); reports RUNNING. */
    default CompletableFuture<Void> resume(String id) {
        return CompletableFuture.completedFuture(null);
    }

    default CompletableFuture<Void> signal(String id, long placementVersion, String signal) {
        return CompletableFuture.completedFuture(null);
    }

    /** Stops and removes every container; from then on {@link #run} refuses new ones. */
    void removeAll();

    /** The container's log and whether more output may still come; empty for unknown ids. */
    Optional<ContainerRuntime.LogSource> logSource(String id);

    /** CPU this node offers, in millicores (sent with Register). */
    long cpuMillis();

    /** Memory this node offers, in bytes (sent with Register). */
    long memoryBytes();

    @Override
    void close();
}
