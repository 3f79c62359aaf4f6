package io.gantry.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gantry.proto.RestartPolicy;
import io.gantry.proto.RestartPolicy.Mode;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RestartDeciderTest {
    static RestartPolicy p(Mode m, int max) {
        return RestartPolicy.newBuilder().setMode(m).setMaxRetries(max).build();
    }

    @Test
    void rules() {
        assertTrue(RestartDecider.next(p(Mode.NO, 0), 1, 0, false).isEmpty());
        assertTrue(RestartDecider.next(p(Mode.ON_FAILURE, 3), 0, 0, false).isEmpty());
        assertEquals(Optional.of(Duration.ofMillis(100)), RestartDecider.next(p(Mode.ON_FAILURE, 3), 1, 0, false));
        assertEquals(Optional.of(Duration.ofMillis(400)), RestartDecider.next(p(Mode.ON_FAILURE, 3), 1, 2, false));
        assertTrue(RestartDecider.next(p(Mode.ON_FAILURE, 3), 1, 3, false).isEmpty());
        assertTrue(RestartDecider.next(p(Mode.ON_FAILURE, 0), 1, 50, false).isPresent(), "0 = unlimited");
        assertTrue(RestartDecider.next(p(Mode.ALWAYS, 0), 0, 0, false).isPresent());
        assertEquals(Optional.of(RestartDecider.MAX_DELAY), RestartDecider.next(p(Mode.ALWAYS, 0), 0, 40, false));
        assertTrue(RestartDecider.next(p(Mode.ALWAYS, 0), 0, 0, true).isEmpty(), "never after a user stop");
    }

    @Test
    void runcMessagesBecomeDockerLikeReasons() {
        String raw = "time=\"2026-11-22T11:43:17Z\" level=error msg=\"runc create failed: unable to start container process: "
                + "exec: \\\"nosuchcmd\\\": executable file not found in $PATH\"\n";
        String m = OciRuntime.runcMessage(raw);
        assertEquals("exec: \"nosuchcmd\": executable file not found in $PATH", m);
        assertEquals(127, OciRuntime.exitCodeFor(m));
        assertEquals(126, OciRuntime.exitCodeFor("exec: \"/x\": permission denied"));
    }
}
