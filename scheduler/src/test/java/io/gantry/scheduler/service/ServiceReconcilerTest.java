package io.gantry.scheduler.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gantry.proto.ContainerState;
import io.gantry.proto.Service;
import io.gantry.proto.ServiceSpec;
import io.gantry.proto.UpdateConfig;
import io.gantry.proto.UpdateStatus;
import io.gantry.proto.Workload;
import io.gantry.proto.WorkloadSpec;
import io.gantry.scheduler.service.ServiceReconciler.Step;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceReconcilerTest {
    private static final long NOW = 100_000;

    private static ServiceSpec spec(String image, int replicas, int parallelism, long delayMs) {
        return ServiceSpec.newBuilder().setName("web").setReplicas(replicas)
                .setTemplate(WorkloadSpec.newBuilder().setImage(image))
                .setUpdate(UpdateConfig.newBuilder().setParallelism(parallelism).setDelayMs(delayMs).setMonitorMs(1000)).build();
    }

    private static Service steady(int replicas) {
        return Service.newBuilder().setId("s1").setSpec(spec("v1", replicas, 1, 0)).setVersion(1).build();
    }

    /** v1 -> v2, update started at {@code NOW - 10_000}. */
    private static Service updating(int replicas, int parallelism, long delayMs) {
        return Service.newBuilder().setId("s1").setSpec(spec("v2", replicas, parallelism, delayMs))
                .setPreviousSpec(spec("v1", replicas, parallelism, delayMs)).setVersion(2).setPreviousVersion(1)
                .setUpdateStatus(UpdateStatus.newBuilder().setState(UpdateStatus.State.UPDATING).setStartedAtMs(NOW - 10_000))
                .build();
    }

    private static Workload replica(String id, int slot, long version, ContainerState state, long createdAt) {
        return Workload.newBuilder().setId(id).setSlot(slot).setServiceVersion(version).setState(state)
                .setCreatedAtMs(createdAt).setService("s1").setSpec(WorkloadSpec.newBuilder().setName("web." + slot + "." + id))
                .build();
    }

    private static List<Step> reconcile(Service s, List<Workload> replicas, long lastBatch, Map<String, Long> runningSince) {
        return ServiceReconciler.reconcile(s, replicas, NOW, lastBatch, r -> runningSince.getOrDefault(r.getId(), -1L));
    }

    @Test
    void missingSlotsAreCreatedAndExtraOnesRemoved() {
        var steps = reconcile(steady(3), List.of(replica("a", 2, 1, ContainerState.RUNNING, 0),
                replica("b", 5, 1, ContainerState.RUNNING, 0)), 0, Map.of());
        assertTrue(steps.contains(new Step.Create(1)), steps.toString());
        assertTrue(steps.contains(new Step.Create(3)), steps.toString());
        assertTrue(steps.stream().anyMatch(s -> s instanceof Step.Remove r && r.replica().getId().equals("b")), steps.toString());
        assertEquals(3, steps.size());
    }

    @Test
    void duplicatesInASlotKeepTheNewest() {
        var steps = reconcile(steady(1), List.of(replica("old", 1, 1, ContainerState.RUNNING, 10),
                replica("new", 1, 1, ContainerState.RUNNING, 20)), 0, Map.of());
        assertEquals(1, steps.size());
        assertEquals("old", ((Step.Remove) steps.getFirst()).replica().getId());
    }

    @Test
    void anUpdateReplacesParallelismReplicasAtATime() {
        var replicas = List.of(replica("a", 1, 1, ContainerState.RUNNING, 0), replica("b", 2, 1, ContainerState.RUNNING, 0),
                replica("c", 3, 1, ContainerState.RUNNING, 0));
        var steps = reconcile(updating(3, 2, 0), replicas, 0, Map.of());
        assertEquals(List.of("a", "b"), steps.stream().filter(s -> s instanceof Step.Remove)
                .map(s -> ((Step.Remove) s).replica().getId()).toList());
        assertTrue(steps.contains(new Step.Create(1)) && steps.contains(new Step.Create(2)), steps.toString());
    }

    @Test
    void theNextBatchWaitsForTheMonitorPeriodAndTheDelay() {
        var fresh = replica("n1", 1, 2, ContainerState.RUNNING, NOW - 5_000);
        var replicas = List.of(fresh, replica("b", 2, 1, ContainerState.RUNNING, 0));
        assertTrue(reconcile(updating(2, 1, 0), replicas, 0, Map.of("n1", NOW - 500)).isEmpty(), "monitor not over");
        assertTrue(reconcile(updating(2, 1, 3_000), replicas, NOW - 2_000, Map.of("n1", NOW - 1_500)).isEmpty(),
                "delay not over");
        var steps = reconcile(updating(2, 1, 3_000), replicas, NOW - 4_000, Map.of("n1", NOW - 1_500));
        assertTrue(steps.contains(new Step.Create(2)), steps.toString());
    }

    @Test
    void anUpdateCompletesWhenEveryReplicaIsNewAndProven() {
        var replicas = List.of(replica("n1", 1, 2, ContainerState.RUNNING, NOW - 5_000));
        var steps = reconcile(updating(1, 1, 0), replicas, 0, Map.of("n1", NOW - 2_000));
        var set = (Step.SetService) steps.getFirst();
        assertEquals(UpdateStatus.State.COMPLETED, set.service().getUpdateStatus().getState());
    }

    @Test
    void withAHealthCheckAReplicaMustBeHealthyToCountAndUnhealthyFailsTheUpdate() {
        var starting = replica("n1", 1, 2, ContainerState.RUNNING, NOW - 5_000).toBuilder()
                .setHealth(io.gantry.proto.HealthStatus.HEALTH_STARTING).build();
        assertTrue(reconcile(updating(1, 1, 0), List.of(starting), 0, Map.of("n1", NOW - 2_000)).isEmpty(),
                "running long enough but not yet healthy: the update waits");
        var healthy = starting.toBuilder().setHealth(io.gantry.proto.HealthStatus.HEALTHY).build();
        assertEquals(UpdateStatus.State.COMPLETED, ((Step.SetService) reconcile(updating(1, 1, 0), List.of(healthy), 0,
                Map.of("n1", NOW - 2_000)).getFirst()).service().getUpdateStatus().getState());
        var unhealthy = starting.toBuilder().setHealth(io.gantry.proto.HealthStatus.UNHEALTHY).build();
        assertEquals(UpdateStatus.State.ROLLING_BACK, ((Step.SetService) reconcile(updating(1, 1, 0), List.of(unhealthy), 0,
                Map.of("n1", NOW - 2_000)).getFirst()).service().getUpdateStatus().getState());
    }

    @Test
    void aFailedReplicaRollsTheUpdateBackAndAFailedRollbackPauses() {
        var failed = replica("n1", 1, 2, ContainerState.FAILED, NOW - 5_000).toBuilder().setReason("manifest unknown").build();
        var steps = reconcile(updating(2, 1, 0), List.of(failed, replica("b", 2, 1, ContainerState.RUNNING, 0)), 0, Map.of());
        var rolledBack = ((Step.SetService) steps.getFirst()).service();
        assertEquals(UpdateStatus.State.ROLLING_BACK, rolledBack.getUpdateStatus().getState());
        assertEquals("v1", rolledBack.getSpec().getTemplate().getImage());
        assertEquals(1, rolledBack.getVersion());
        assertEquals(2, rolledBack.getPreviousVersion());
        assertTrue(rolledBack.getUpdateStatus().getMessage().contains("manifest unknown"), rolledBack.getUpdateStatus().getMessage());

        // Rolling back: the v2 replica is stale and gets replaced; a v1 replica that fails now pauses everything.
        var rollback = rolledBack.toBuilder().setUpdateStatus(rolledBack.getUpdateStatus().toBuilder().setStartedAtMs(NOW - 1000)).build();
        var again = replica("r1", 1, 1, ContainerState.EXITED, NOW - 500);
        var paused = ((Step.SetService) reconcile(rollback, List.of(again, replica("b", 2, 1, ContainerState.RUNNING, 0)), 0, Map.of())
                .getFirst()).service();
        assertEquals(UpdateStatus.State.PAUSED, paused.getUpdateStatus().getState());
    }

    @Test
    void continueIgnoresFailures() {
        var s = updating(1, 1, 0);
        s = s.toBuilder().setSpec(s.getSpec().toBuilder().setUpdate(s.getSpec().getUpdate().toBuilder()
                .setFailureAction(UpdateConfig.FailureAction.CONTINUE))).build();
        var steps = reconcile(s, List.of(replica("n1", 1, 2, ContainerState.FAILED, NOW - 5_000)), 0, Map.of());
        assertEquals(UpdateStatus.State.COMPLETED, ((Step.SetService) steps.getFirst()).service().getUpdateStatus().getState());
    }
}
