package io.gantry.scheduler.service;

import io.gantry.proto.ContainerState;
import io.gantry.proto.HealthStatus;
import io.gantry.proto.Service;
import io.gantry.proto.UpdateConfig;
import io.gantry.proto.UpdateStatus;
import io.gantry.proto.Workload;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one service needs next, as data: replicas to create (per slot), replicas to remove, and a new service
 * record when its update state moves. Pure: the caller supplies the time and what it has seen of each replica.
 *
 * <p>Rolling updates replace {@code parallelism} replicas at a time (stop-first, like Docker's default). A batch
 * is done when every replica it started has been RUNNING for the monitor period without a restart; the next
 * batch waits {@code delay} after that. A replica of the update that fails (FAILED, exited or restarted within
 * its monitor period) applies the failure action: by default a rollback to the previous spec, which is itself
 * a rolling update; a failure while rolling back pauses.
 */
public final class ServiceReconciler {
    public static final long DEFAULT_MONITOR_MS = 5_000;

    /** What the core has seen of a replica: since when (its clock) it has been RUNNING, or -1. */
    public interface Observations {
        long runningSince(Workload replica);
    }

    public sealed interface Step {
        record Create(int slot) implements Step {
        }

        record Remove(Workload replica, String why) implements Step {
        }

        record SetService(Service service) implements Step {
        }
    }

    private ServiceReconciler() {
    }

    /**
     * @param replicas    every workload of the service that is not being removed
     * @param lastBatchMs when the running update last started a batch (0 = never in this term)
     */
    public static List<Step> reconcile(Service service, List<Workload> replicas, long nowMs, long lastBatchMs,
                                       Observations seen) {
        var steps = new ArrayList<Step>();
        int wanted = service.getSpec().getReplicas();
        var bySlot = new TreeMap<Integer, List<Workload>>();
        for (var r : replicas) {
            if (r.getSlot() > wanted) {
                steps.add(new Step.Remove(r, "scaled down to " + wanted));
            } else {
                bySlot.computeIfAbsent(r.getSlot(), k -> new ArrayList<>()).add(r);
            }
        }
        // One replica per slot: keep the newest (a leftover of an interrupted replacement goes).
        var current = new TreeMap<Integer, Workload>();
        for (var e : bySlot.entrySet()) {
            var sorted = e.getValue().stream().sorted(Comparator.comparingLong(Workload::getServiceVersion)
                    .thenComparingLong(Workload::getCreatedAtMs).reversed()).toList();
            current.put(e.getKey(), sorted.getFirst());
            sorted.stream().skip(1).forEach(extra -> steps.add(new Step.Remove(extra, "duplicate of slot " + e.getKey())));
        }
        for (int slot = 1; slot <= wanted; slot++) {
            if (!current.containsKey(slot)) {
                steps.add(new Step.Create(slot));
            }
        }
        var state = service.getUpdateStatus().getState();
        if (state == UpdateStatus.State.UPDATING || state == UpdateStatus.State.ROLLING_BACK) {
            rollingUpdate(service, current, nowMs, lastBatchMs, seen, steps);
        }
        return steps;
    }

    private static void rollingUpdate(Service service, Map<Integer, Workload> current, long nowMs, long lastBatchMs,
                                      Observations seen, List<Step> steps) {
        var update = service.getSpec().getUpdate();
        long monitor = update.getMonitorMs() > 0 ? update.getMonitorMs() : DEFAULT_MONITOR_MS;
        long started = service.getUpdateStatus().getStartedAtMs();
        var stale = new ArrayList<Workload>();
        int unproven = 0;
        for (var r : current.values()) {
            if (r.getServiceVersion() != service.getVersion()) {
                stale.add(r);
                continue;
            }
            if (r.getCreatedAtMs() < started) {
                continue; // already on this spec before the update began (e.g. kept through a rollback)
            }
            if (failed(r)) {
                if (update.getFailureAction() == UpdateConfig.FailureAction.CONTINUE
                        && service.getUpdateStatus().getState() == UpdateStatus.State.UPDATING) {
                    continue;
                }
                steps.add(new Step.SetService(onFailure(service, r, nowMs)));
                return;
            }
            long since = seen.runningSince(r);
            // With a health check, running is not enough: the replica must have been reported healthy.
            if (since < 0 || nowMs - since < monitor || r.getHealth() == HealthStatus.HEALTH_STARTING) {
                unproven++;
            }
        }
        if (unproven > 0) {
            return;
        }
        if (stale.isEmpty()) {
            boolean rollback = service.getUpdateStatus().getState() == UpdateStatus.State.ROLLING_BACK;
            steps.add(new Step.SetService(service.toBuilder().setUpdateStatus(service.getUpdateStatus().toBuilder()
                    .setState(rollback ? UpdateStatus.State.ROLLED_BACK : UpdateStatus.State.COMPLETED)
                    // A rollback keeps the message that says why it happened: `service ls` shows it.
                    .setMessage(rollback ? service.getUpdateStatus().getMessage() : "update completed")
                    .setCompletedAtMs(nowMs)).build()));
            return;
        }
        if (lastBatchMs > 0 && nowMs - lastBatchMs < update.getDelayMs()) {
            return;
        }
        int parallelism = update.getParallelism() > 0 ? update.getParallelism() : 1;
        stale.stream().sorted(Comparator.comparingInt(Workload::getSlot)).limit(parallelism).forEach(r -> {
            steps.add(new Step.Remove(r, "replaced by version " + service.getVersion()));
            steps.add(new Step.Create(r.getSlot()));
        });
    }

    /** A replica of the update that did not come up, or did not stay up. */
    static boolean failed(Workload r) {
        var s = r.getState();
        return s == ContainerState.FAILED || s == ContainerState.EXITED || r.getRestartCount() > 0
                || r.getHealth() == HealthStatus.UNHEALTHY;
    }

    private static Service onFailure(Service service, Workload r, long nowMs) {
        String why = "replica " + r.getSpec().getName() + " failed: " + describe(r);
        var status = service.getUpdateStatus();
        boolean canRollBack = status.getState() == UpdateStatus.State.UPDATING
                && service.getSpec().getUpdate().getFailureAction() == UpdateConfig.FailureAction.ROLLBACK
                && service.hasPreviousSpec();
        if (!canRollBack) {
            return service.toBuilder().setUpdateStatus(status.toBuilder().setState(UpdateStatus.State.PAUSED)
                    .setMessage((status.getState() == UpdateStatus.State.ROLLING_BACK ? "rollback paused: " : "update paused: ")
                            + why)).build();
        }
        return rollback(service, nowMs, "update rolled back: " + why);
    }

    /** Swaps the spec back to the previous one, which becomes a rolling update of its own. */
    public static Service rollback(Service service, long nowMs, String message) {
        return service.toBuilder().setSpec(service.getPreviousSpec()).setPreviousSpec(service.getSpec())
                .setVersion(service.getPreviousVersion()).setPreviousVersion(service.getVersion())
                .setUpdatedAtMs(nowMs)
                .setUpdateStatus(UpdateStatus.newBuilder().setState(UpdateStatus.State.ROLLING_BACK).setMessage(message)
                        .setStartedAtMs(nowMs)).build();
    }

    private static String describe(Workload r) {
        if (!r.getReason().isEmpty()) {
            return r.getReason();
        }
        if (r.getState() == ContainerState.EXITED) {
            return "exited with code " + r.getExitCode();
        }
        if (r.getHealth() == HealthStatus.UNHEALTHY) {
            return "unhealthy" + (r.getHealthOutput().isBlank() ? "" : ": " + r.getHealthOutput().strip().lines().findFirst().orElse(""));
        }
        return r.getRestartCount() > 0 ? "restarted " + r.getRestartCount() + " times" : r.getState().name().toLowerCase();
    }
}
