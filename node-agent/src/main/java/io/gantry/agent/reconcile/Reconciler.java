package io.gantry.agent.reconcile;

import io.gantry.proto.Assignment;
import io.gantry.proto.ContainerState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Level-triggered reconciliation as a pure function: the scheduler's complete desired set against
 * the containers on this node gives the actions to take.
 */
public final class Reconciler {
    public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(10);

    private Reconciler() {
    }

    public static List<ReconcileAction> reconcile(List<Assignment> desired, Map<String, LocalContainer> local) {
        List<ReconcileAction> actions = new ArrayList<>();
        Set<String> listed = new HashSet<>();
        for (Assignment a : desired) {
            String id = a.getWorkloadId();
            listed.add(id);
            LocalContainer have = local.get(id);
            if (have != null && a.getPlacementVersion() < have.placementVersion()) {
                continue; // stale placement: a newer one is already here
            }
            switch (a.getDesired()) {
                case DESIRED_RUNNING -> {
                    if (have == null) {
                        actions.add(new ReconcileAction.Start(a));
                    } else if (a.getPlacementVersion() > have.placementVersion()) {
                        actions.add(new ReconcileAction.Replace(a));
                    } else if (have.state() == ContainerState.PAUSED) {
                        actions.add(new ReconcileAction.Resume(id));
                    }
                }
                case DESIRED_PAUSED -> {
                    if (have == null) {
                        actions.add(new ReconcileAction.Start(a)); // lost here: run it; it is paused once running
                    } else if (a.getPlacementVersion() > have.placementVersion()) {
                        actions.add(new ReconcileAction.Replace(a));
                    } else if (have.state() == ContainerState.RUNNING) {
                        actions.add(new ReconcileAction.Pause(id));
                    }
                }
                case DESIRED_STOPPED -> {
                    if (have != null && have.active() && !have.stopRequested()) {
                        int t = a.getStopTimeoutSeconds();
                        actions.add(new ReconcileAction.Stop(id, t > 0 ? Duration.ofSeconds(t) : DEFAULT_STOP_TIMEOUT));
                    }
                }
                case DESIRED_REMOVED -> {
                    if (have != null) {
                        actions.add(new ReconcileAction.Remove(id));
                    }
                }
                case UNRECOGNIZED -> {
                }
            }
        }
        for (String id : local.keySet()) {
            if (!listed.contains(id)) {
                actions.add(new ReconcileAction.Remove(id));
            }
        }
        return actions;
    }
}
