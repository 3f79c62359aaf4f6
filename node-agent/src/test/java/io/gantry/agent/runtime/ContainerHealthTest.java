package io.gantry.agent.runtime;

import static io.gantry.agent.RuntimeFixture.assignment;
import static io.gantry.agent.RuntimeFixture.newId;
import static io.gantry.agent.RuntimeFixture.sh;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gantry.proto.ContainerState;
import io.gantry.proto.ContainerStatus;
import io.gantry.proto.HealthCheck;
import io.gantry.proto.HealthStatus;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Health checks exec'd into real containers (runc exec), with short intervals. */
class ContainerHealthTest extends RealRuntimeTest {
    private static HealthCheck.Builder shellCheck(String command) {
        return HealthCheck.newBuilder().addTest("CMD-SHELL").addTest(command).setIntervalMs(200).setTimeoutMs(2000).setRetries(3);
    }

    private ContainerStatus status(String id) {
        return runtime.status(id).orElseThrow();
    }

    private List<ContainerStatus> reports(String id) {
        synchronized (fx.events) {
            return fx.events.stream().filter(e -> e.getWorkloadId().equals(id)).toList();
        }
    }

    @Test
    void aPassingCheckMakesItHealthy() {
        String id = newId();
        // The probe runs with the container's own settings: its cwd and env reach the probe.
        runtime.run(assignment(id, sh("echo ready > /tmp/ready; while true; do sleep 0.1; done")
                .addEnv("GREETING=hi")
                .setHealthcheck(shellCheck("test -f /tmp/ready && echo \"ok $GREETING\"")).build()));
        await().atMost(Duration.ofSeconds(10)).until(() -> status(id).getState() == ContainerState.RUNNING);
        assertEquals(HealthStatus.HEALTH_STARTING, reports(id).stream().filter(s -> s.getState() == ContainerState.RUNNING)
                .findFirst().orElseThrow().getHealth(), "reported starting with RUNNING");
        await().atMost(Duration.ofSeconds(10)).until(() -> status(id).getHealth() == HealthStatus.HEALTHY);
        assertEquals("ok hi", status(id).getHealthOutput());
        assertEquals(0, status(id).getHealthFailingStreak());
        assertTrue(reports(id).stream().anyMatch(s -> s.getHealth() == HealthStatus.HEALTHY), "the change was reported");
    }

    @Test
    void aFailingCheckMakesItUnhealthyAfterRetries() {
        String id = newId();
        runtime.run(assignment(id, sh("while true; do sleep 0.1; done")
                .setHealthcheck(shellCheck("echo down; exit 1")).build()));
        await().atMost(Duration.ofSeconds(10)).until(() -> status(id).getHealth() == HealthStatus.UNHEALTHY);
        ContainerStatus s = status(id);
        assertTrue(s.getHealthFailingStreak() >= 3, s.toString());
        assertEquals("down", s.getHealthOutput());
        List<Integer> streaks = reports(id).stream().filter(r -> r.getHealthFailingStreak() > 0).map(ContainerStatus::getHealthFailingStreak)
                .limit(3).toList();
        assertEquals(List.of(1, 2, 3), streaks, "each failure reported");
        assertEquals(HealthStatus.HEALTH_STARTING, reports(id).stream().filter(r -> r.getHealthFailingStreak() == 2).findFirst()
                .orElseThrow().getHealth(), "still starting before the third failure");
        assertEquals(ContainerState.RUNNING, s.getState(), "on-failure NONE: only reported");
    }

    /** argv as the process has it (ProcessHandle's commandLine() shows the executable, /bin/busybox, instead). */
    private static String cmdline(long pid) {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ').strip();
        } catch (java.io.IOException e) {
            return "";
        }
    }

    @Test
    void aProbeThatTimesOutIsKilledAndCountsAsAFailure() {
        String id = newId();
        runtime.run(assignment(id, sh("trap 'exit 0' TERM; while true; do sleep 0.1; done")
                .setHealthcheck(HealthCheck.newBuilder().addTest("CMD").addTest("sleep").addTest("7777")
                        .setIntervalMs(200).setTimeoutMs(300).setRetries(1)).build()));
        await().atMost(Duration.ofSeconds(10)).until(() -> status(id).getHealth() == HealthStatus.UNHEALTHY);
        assertTrue(status(id).getHealthOutput().contains("timed out after 300 ms"), status(id).getHealthOutput());
        // A few more probes time out meanwhile; each was killed: never more than the one under way.
        java.util.function.LongSupplier probes = () -> ProcessHandle.allProcesses().filter(p -> cmdline(p.pid()).equals("sleep 7777")).count();
        await().atMost(Duration.ofSeconds(3)).until(() -> probes.getAsLong() == 1); // the check sees them at all
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).until(() -> probes.getAsLong() <= 1);
        runtime.stop(id, Duration.ofSeconds(2)).join();
        await().atMost(Duration.ofSeconds(5)).until(() -> probes.getAsLong() == 0);
    }

    @Test
    void onFailureRestartRestartsTheContainerInPlace() {
        String id = newId();
        // Healthy in its first run only: the file lives in the container's rootfs, which a restart in place keeps.
        runtime.run(assignment(id, sh("trap 'exit 0' TERM; if [ -f /run-once ]; then rm /healthy; fi; touch /run-once /healthy; while true; do sleep 0.1; done")
                .setHealthcheck(HealthCheck.newBuilder().addTest("CMD").addTest("test").addTest("!").addTest("-f").addTest("/healthy")
                        .setIntervalMs(200).setTimeoutMs(2000).setRetries(2).setOnFailure(HealthCheck.OnFailure.RESTART)).build()));
        await().atMost(Duration.ofSeconds(20)).until(() -> status(id).getRestartCount() >= 1 && status(id).getState() == ContainerState.RUNNING);
        assertTrue(fx.states(id).contains(ContainerState.EXITED), "it went down before the restart");
        // The new run starts from STARTING again.
        ContainerStatus restarted = reports(id).stream().filter(r -> r.getRestartCount() == 1 && r.getState() == ContainerState.RUNNING)
                .findFirst().orElseThrow();
        assertEquals(HealthStatus.HEALTH_STARTING, restarted.getHealth());
    }

    @Test
    void onFailureStopStopsItAndSaysWhy() {
        String id = newId();
        runtime.run(assignment(id, sh("trap 'exit 0' TERM; while true; do sleep 0.1; done")
                .setHealthcheck(shellCheck("exit 1").setRetries(1).setOnFailure(HealthCheck.OnFailure.STOP)).build()));
        await().atMost(Duration.ofSeconds(20)).until(() -> status(id).getState() == ContainerState.EXITED
                && status(id).getReason().contains("health"));
        assertEquals("stopped by its health check (unhealthy)", status(id).getReason());
        assertEquals(true, runtime.localView().get(id).stopRequested(), "the reconciler does not start it again");
    }

    @Test
    void pauseStopsTheProbesAndUnpauseResumesThem() throws Exception {
        String id = newId();
        runtime.run(assignment(id, sh("while true; do sleep 0.1; done").setHealthcheck(shellCheck("date +%s%N")).build()));
        await().atMost(Duration.ofSeconds(10)).until(() -> status(id).getHealth() == HealthStatus.HEALTHY);
        runtime.pause(id).join();
        Thread.sleep(300); // a probe under way lands
        String frozen = status(id).getHealthOutput();
        Thread.sleep(600);
        assertEquals(frozen, status(id).getHealthOutput(), "no probes while paused");
        assertEquals(HealthStatus.HEALTHY, status(id).getHealth(), "the status is kept");
        runtime.resume(id).join();
        await().atMost(Duration.ofSeconds(5)).until(() -> !status(id).getHealthOutput().equals(frozen));
    }

    @Test
    void badHealthCheckFailsTheContainerWithOneLine() {
        String id = newId();
        runtime.run(assignment(id, sh("true").setHealthcheck(HealthCheck.newBuilder().addTest("RUN").addTest("x")).build()));
        await().atMost(Duration.ofSeconds(10)).until(() -> status(id).getState() == ContainerState.FAILED);
        assertEquals("health check test must start with NONE, CMD or CMD-SHELL, not 'RUN'", status(id).getReason());
        assertEquals(0, fx.images.pulls.get(), "refused before pulling");
    }
}
