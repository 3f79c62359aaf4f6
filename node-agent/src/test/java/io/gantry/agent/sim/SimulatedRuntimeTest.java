package io.gantry.agent.sim;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gantry.proto.Assignment;
import io.gantry.proto.ContainerState;
import io.gantry.proto.ContainerStatus;
import io.gantry.proto.DesiredState;
import io.gantry.proto.WorkloadSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SimulatedRuntimeTest {
    final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    final List<ContainerStatus> reports = new CopyOnWriteArrayList<>();

    @AfterEach
    void tearDown() {
        timer.shutdownNow();
    }

    private SimulatedRuntime runtime(Duration latency, boolean intermediate) {
        return new SimulatedRuntime(SimSettings.defaults().withStartLatency(latency).withIntermediateStates(intermediate),
                Clock.systemUTC(), timer, reports::add);
    }

    private static Assignment assignment(String id, long version) {
        return Assignment.newBuilder().setWorkloadId(id).setPlacementVersion(version).setDesired(DesiredState.DESIRED_RUNNING)
                .setSpec(WorkloadSpec.newBuilder().setImage("busybox")).build();
    }

    private List<ContainerState> states(String id) {
        return reports.stream().filter(s -> s.getWorkloadId().equals(id)).map(ContainerStatus::getState).toList();
    }

    @Test
    void goesPullingStartingRunningAfterTheLatency() {
        var rt = runtime(Duration.ofMillis(200), true);
        long before = System.currentTimeMillis();
        rt.run(assignment("a1", 3));
        assertEquals(List.of(ContainerState.PULLING), states("a1"));
        assertTrue(rt.localView().get("a1").active());
        await().atMost(Duration.ofSeconds(5)).until(() -> states("a1").contains(ContainerState.RUNNING));
        assertEquals(List.of(ContainerState.PULLING, ContainerState.STARTING, ContainerState.RUNNING), states("a1"));
        ContainerStatus running = reports.getLast();
        assertTrue(running.getStartedAtMs() - before >= 200, "started_at_ms is when it reached RUNNING");
        assertEquals(3, running.getPlacementVersion());
        assertFalse(running.getImageDigest().isEmpty());
        rt.run(assignment("a1", 3)); // idempotent
        assertEquals(3, states("a1").size());
        assertEquals(ContainerState.RUNNING, rt.status("a1").orElseThrow().getState());
        assertEquals(1, rt.statuses().size());
    }

    @Test
    void onlyRunningIsReportedWhenAsked() {
        var rt = runtime(Duration.ZERO, false);
        rt.run(assignment("b1", 1));
        await().atMost(Duration.ofSeconds(5)).until(() -> !states("b1").isEmpty());
        assertEquals(List.of(ContainerState.RUNNING), states("b1"));
    }

    @Test
    void stopBeforeRunningCancelsTheStart() throws Exception {
        var rt = runtime(Duration.ofMillis(300), true);
        rt.run(assignment("c1", 1));
        rt.stop("c1", Duration.ofSeconds(10));
        Thread.sleep(500);
        assertEquals(List.of(ContainerState.PULLING, ContainerState.EXITED), states("c1"));
        assertEquals("stopped before it started", reports.getLast().getReason());
        assertTrue(rt.localView().get("c1").stopRequested());
        assertFalse(rt.localView().get("c1").active());
    }

    @Test
    void stopAndRemoveOfARunningContainer() {
        var rt = runtime(Duration.ZERO, true);
        rt.run(assignment("d1", 1));
        await().atMost(Duration.ofSeconds(5)).until(() -> states("d1").contains(ContainerState.RUNNING));
        rt.stop("d1", Duration.ofSeconds(10));
        assertEquals(ContainerState.EXITED, reports.getLast().getState());
        assertEquals(143, reports.getLast().getExitCode());
        assertTrue(reports.getLast().getFinishedAtMs() > 0);
        rt.remove("d1");
        assertEquals(ContainerState.REMOVED, reports.getLast().getState());
        assertTrue(rt.localView().isEmpty());
        assertTrue(rt.logSource("d1").isEmpty());
    }

    @Test
    void logsAreEmptyAndRemoveAllRefusesNewStarts() {
        var rt = runtime(Duration.ZERO, true);
        rt.run(assignment("e1", 1));
        var log = rt.logSource("e1").orElseThrow();
        assertFalse(log.active().getAsBoolean());
        rt.removeAll();
        assertTrue(rt.statuses().isEmpty());
        assertThrows(IllegalStateException.class, () -> rt.run(assignment("e2", 1)));
    }

    @Test
    void badSettingsAreOneLineErrors() {
        var e = assertThrows(IllegalArgumentException.class, () -> SimSettings.defaults().withStartLatency(Duration.ofMillis(-1)));
        assertEquals("the simulated start latency must not be negative, got PT-0.001S", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SimSettings.defaults().withCapacity(0, 1));
    }
}
