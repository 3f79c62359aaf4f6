package io.gantry.agent.runtime;

import static io.gantry.agent.RuntimeFixture.assignment;
import static io.gantry.agent.RuntimeFixture.newId;
import static io.gantry.agent.RuntimeFixture.sh;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gantry.agent.RuntimeFixture;
import io.gantry.proto.ContainerState;
import io.gantry.proto.RestartPolicy;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code gantry kill} and {@code pause}/{@code unpause} on a real runc container. */
class ContainerSignalTest extends RealRuntimeTest {
    private ContainerState state(String id) {
        return runtime.status(id).orElseThrow().getState();
    }

    @Test
    void signalIsDeliveredToTheContainer() {
        String id = newId();
        runtime.run(assignment(id, sh("trap 'exit 9' HUP; while true; do sleep 0.1; done").build()));
        await().atMost(Duration.ofSeconds(10)).until(() -> state(id) == ContainerState.RUNNING);
        runtime.signal(id, 2, "SIGHUP").join(); // another placement: ignored
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> state(id) == ContainerState.RUNNING);
        runtime.signal(id, 1, "SIGHUP").join();
        await().atMost(Duration.ofSeconds(10)).until(() -> state(id) == ContainerState.EXITED);
        assertEquals(9, runtime.status(id).orElseThrow().getExitCode());
        runtime.signal(id, 1, "SIGKILL").join(); // not running any more: nothing to do, no error
    }

    @Test
    void killIsNotAUserStopSoTheRestartPolicyApplies() {
        String id = newId();
        runtime.run(assignment(id, sh("while true; do sleep 0.1; done")
                .setRestart(RestartPolicy.newBuilder().setMode(RestartPolicy.Mode.ALWAYS)).build()));
        await().atMost(Duration.ofSeconds(10)).until(() -> state(id) == ContainerState.RUNNING);
        runtime.signal(id, 1, "SIGKILL").join();
        await().atMost(Duration.ofSeconds(20)).until(() -> runtime.status(id).orElseThrow().getRestartCount() == 1
                && state(id) == ContainerState.RUNNING);
        assertEquals(true, fx.states(id).contains(ContainerState.EXITED), "it exited before the restart");
    }

    private long logSize(String id) throws Exception {
        return java.nio.file.Files.size(runtime.logSource(id).orElseThrow().file());
    }

    @Test
    void pauseFreezesTheProcessesAndResumeThawsThem() throws Exception {
        String id = newId();
        runtime.run(assignment(id, sh("while true; do echo tick; sleep 0.05; done").build()));
        await().atMost(Duration.ofSeconds(10)).until(() -> state(id) == ContainerState.RUNNING && logSize(id) > 0);
        runtime.pause(id).join();
        assertEquals(ContainerState.PAUSED, state(id));
        assertEquals("paused", new OciRuntime(Path.of("/usr/sbin/runc"), Path.of("/usr/bin/conmon"), fx.runcRoot).status(id).orElseThrow());
        Thread.sleep(200); // output already on its way lands
        long frozen = logSize(id);
        Thread.sleep(500);
        assertEquals(frozen, logSize(id), "no output while frozen");

        runtime.resume(id).join();
        assertEquals(ContainerState.RUNNING, state(id));
        await().atMost(Duration.ofSeconds(5)).until(() -> logSize(id) > frozen);
    }

    @Test
    void aPausedContainerCanBeStoppedAndRemoved() throws Exception {
        String id = newId();
        runtime.run(assignment(id, sh("trap 'exit 5' TERM; while true; do sleep 0.1; done").build()));
        await().atMost(Duration.ofSeconds(10)).until(() -> state(id) == ContainerState.RUNNING);
        runtime.pause(id).join();
        runtime.stop(id, Duration.ofSeconds(5)).join();
        assertEquals(ContainerState.EXITED, state(id));
        assertEquals(5, runtime.status(id).orElseThrow().getExitCode(), "the stop signal reached it once thawed");

        String other = newId();
        runtime.run(assignment(other, sh("while true; do sleep 0.1; done").build()));
        await().atMost(Duration.ofSeconds(10)).until(() -> state(other) == ContainerState.RUNNING);
        runtime.pause(other).join();
        runtime.remove(other).join();
        assertEquals(true, runtime.status(other).isEmpty());
    }

    @Test
    void stopSendsTheImagesStopSignalInsteadOfSigterm() {
        fx.images.config = new io.gantry.image.ImageConfig(
                java.util.List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
                java.util.List.of(), java.util.List.of("sh"), "", "", java.util.Map.of(), "SIGUSR1");
        String id = newId();
        runtime.run(assignment(id, sh("trap 'exit 6' USR1; trap 'exit 7' TERM; while true; do sleep 0.1; done").build()));
        await().atMost(Duration.ofSeconds(10)).until(() -> state(id) == ContainerState.RUNNING);
        runtime.stop(id, Duration.ofSeconds(5)).join();
        assertEquals(ContainerState.EXITED, state(id));
        assertEquals(6, runtime.status(id).orElseThrow().getExitCode(), "USR1 (the image's StopSignal), not TERM");
    }
}
