package io.gantry.agent.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gantry.proto.Assignment;
import io.gantry.proto.ContainerState;
import io.gantry.proto.DesiredState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReconcilerTest {
    static Assignment a(String id, DesiredState d, long version) {
        return Assignment.newBuilder().setWorkloadId(id).setDesired(d).setPlacementVersion(version).build();
    }

    static LocalContainer local(String id, ContainerState s, long version) {
        return new LocalContainer(id, s, version, false);
    }

    @Test
    void startsMissingRunningOnes() {
        Assignment x = a("x", DesiredState.DESIRED_RUNNING, 1);
        assertEquals(List.of(new ReconcileAction.Start(x)), Reconciler.reconcile(List.of(x), Map.of()));
        assertEquals(List.of(), Reconciler.reconcile(List.of(x), Map.of("x", local("x", ContainerState.RUNNING, 1))));
        assertEquals(List.of(), Reconciler.reconcile(List.of(x), Map.of("x", local("x", ContainerState.EXITED, 1))),
                "an exited container is not restarted by reconciliation: the restart policy decides");
    }

    @Test
    void stopsDesiredStoppedOnesOnce() {
        Assignment x = a("x", DesiredState.DESIRED_STOPPED, 1).toBuilder().setStopTimeoutSeconds(3).build();
        assertEquals(List.of(new ReconcileAction.Stop("x", Duration.ofSeconds(3))),
                Reconciler.reconcile(List.of(x), Map.of("x", local("x", ContainerState.RUNNING, 1))));
        assertEquals(List.of(), Reconciler.reconcile(List.of(x), Map.of("x", new LocalContainer("x", ContainerState.RUNNING, 1, true))));
        assertEquals(List.of(), Reconciler.reconcile(List.of(x), Map.of("x", local("x", ContainerState.EXITED, 1))));
        assertEquals(List.of(), Reconciler.reconcile(List.of(x), Map.of()), "never started: nothing to stop");
        Assignment noTimeout = a("y", DesiredState.DESIRED_STOPPED, 1);
        assertEquals(List.of(new ReconcileAction.Stop("y", Duration.ofSeconds(10))),
                Reconciler.reconcile(List.of(noTimeout), Map.of("y", local("y", ContainerState.PULLING, 1))));
    }

    @Test
    void removesDesiredRemovedAndUnlistedOnes() {
        Assignment x = a("x", DesiredState.DESIRED_REMOVED, 1);
        var actions = Reconciler.reconcile(List.of(x), Map.of(
                "x", local("x", ContainerState.EXITED, 1),
                "stray", local("stray", ContainerState.RUNNING, 4)));
        assertEquals(List.of(new ReconcileAction.Remove("x"), new ReconcileAction.Remove("stray")), actions);
        assertEquals(List.of(), Reconciler.reconcile(List.of(x), Map.of()));
    }

    @Test
    void newerPlacementReplacesOlderAndStaleOnesAreIgnored() {
        Assignment v2 = a("x", DesiredState.DESIRED_RUNNING, 2);
        assertEquals(List.of(new ReconcileAction.Replace(v2)),
                Reconciler.reconcile(List.of(v2), Map.of("x", local("x", ContainerState.EXITED, 1))));
        Assignment staleRemove = a("x", DesiredState.DESIRED_REMOVED, 1);
        assertEquals(List.of(), Reconciler.reconcile(List.of(staleRemove), Map.of("x", local("x", ContainerState.RUNNING, 2))));
    }

    @Test
    void pausesRunningOnesAndResumesPausedOnes() {
        Assignment paused = a("x", DesiredState.DESIRED_PAUSED, 1);
        assertEquals(List.of(new ReconcileAction.Pause("x")),
                Reconciler.reconcile(List.of(paused), Map.of("x", local("x", ContainerState.RUNNING, 1))));
        assertEquals(List.of(), Reconciler.reconcile(List.of(paused), Map.of("x", local("x", ContainerState.PAUSED, 1))));
        assertEquals(List.of(), Reconciler.reconcile(List.of(paused), Map.of("x", local("x", ContainerState.EXITED, 1))));
        Assignment running = a("x", DesiredState.DESIRED_RUNNING, 1);
        assertEquals(List.of(new ReconcileAction.Resume("x")),
                Reconciler.reconcile(List.of(running), Map.of("x", local("x", ContainerState.PAUSED, 1))));
        Assignment stopped = a("x", DesiredState.DESIRED_STOPPED, 1);
        assertEquals(List.of(new ReconcileAction.Stop("x", Duration.ofSeconds(10))),
                Reconciler.reconcile(List.of(stopped), Map.of("x", local("x", ContainerState.PAUSED, 1))),
                "a paused container is stopped too");
    }
}
