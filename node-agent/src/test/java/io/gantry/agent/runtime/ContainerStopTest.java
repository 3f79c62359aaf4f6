package io.gantry.agent.runtime;

import static io.gantry.agent.RuntimeFixture.assignment;
import static io.gantry.agent.RuntimeFixture.newId;
import static io.gantry.agent.RuntimeFixture.sh;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gantry.image.ImageConfig;
import io.gantry.proto.ContainerState;
import io.gantry.proto.ContainerStatus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code stop [-t N]}: --stop-signal, else the image's StopSignal, else SIGTERM; SIGKILL after the timeout. */
class ContainerStopTest extends RealRuntimeTest {
    /** Exits 3 on TERM, 6 on USR1, 8 on HUP: the exit code tells which signal arrived first. */
    private static final String TRAPS = "trap 'exit 3' TERM; trap 'exit 6' USR1; trap 'exit 8' HUP; while true; do sleep 0.1; done";

    private ContainerStatus stopped(String id, Duration timeout) {
        await().atMost(Duration.ofSeconds(10)).until(() -> runtime.status(id).orElseThrow().getState() == ContainerState.RUNNING);
        long t0 = System.nanoTime();
        runtime.stop(id, timeout).join();
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(4).toNanos(), "well before a 10 s timeout: the signal was handled");
        ContainerStatus st = runtime.status(id).orElseThrow();
        assertEquals(ContainerState.EXITED, st.getState());
        return st;
    }

    @Test
    void sigtermByDefault() {
        String id = newId();
        runtime.run(assignment(id, sh(TRAPS).build()));
        assertEquals(3, stopped(id, Duration.ofSeconds(10)).getExitCode());
    }

    @Test
    void theSpecsStopSignalInsteadOfSigterm() {
        String id = newId();
        runtime.run(assignment(id, sh(TRAPS).setStopSignal("SIGUSR1").build()));
        assertEquals(6, stopped(id, Duration.ofSeconds(10)).getExitCode());
    }

    @Test
    void theSpecsStopSignalWinsOverTheImagesAndShortNamesWork() {
        fx.images.config = new ImageConfig(List.of("PATH=/bin"), List.of(), List.of("sh"), "", "", Map.of(), "SIGHUP");
        String image = newId();
        runtime.run(assignment(image, sh(TRAPS).build()));
        assertEquals(8, stopped(image, Duration.ofSeconds(10)).getExitCode(), "the image's HUP");
        String spec = newId();
        runtime.run(assignment(spec, sh(TRAPS).setStopSignal("usr1").build()));
        assertEquals(6, stopped(spec, Duration.ofSeconds(10)).getExitCode(), "--stop-signal usr1 over the image's HUP");
    }

    @Test
    void aStopSignalItIgnoresEndsInSigkillAfterTheTimeout() {
        String id = newId();
        runtime.run(assignment(id, sh("trap '' USR1; while true; do sleep 0.1; done").setStopSignal("SIGUSR1").build()));
        ContainerStatus st = stopped(id, Duration.ofMillis(700));
        assertEquals(137, st.getExitCode());
    }

    @Test
    void anInvalidStopSignalIsAOneLineError() {
        String id = newId();
        runtime.run(assignment(id, sh("true").setStopSignal("SIGNOPE").build()));
        await().atMost(Duration.ofSeconds(10)).until(() -> runtime.status(id).orElseThrow().getState() == ContainerState.FAILED);
        assertEquals("invalid stop signal 'SIGNOPE'", runtime.status(id).orElseThrow().getReason());
    }

    @Test
    void signalNames() {
        assertEquals("SIGUSR1", StopSignal.canonical("usr1"));
        assertEquals("SIGRTMIN+3", StopSignal.canonical("SIGRTMIN+3"));
        assertEquals("15", StopSignal.canonical("15"));
        assertEquals("SIGTERM", StopSignal.effective("", ""));
        assertEquals("SIGTERM", StopSignal.effective("", "BOGUS"), "a broken image StopSignal falls back to SIGTERM");
        assertThrows(IllegalArgumentException.class, () -> StopSignal.canonical("99"));
    }
}
