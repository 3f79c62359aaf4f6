package io.gantry.agent.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.gantry.proto.HealthCheck;
import io.gantry.proto.WorkloadSpec;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HealthCheckSpecTest {
    private static WorkloadSpec spec(HealthCheck.Builder hc) {
        return WorkloadSpec.newBuilder().setImage("busybox").setHealthcheck(hc).build();
    }

    private static final ImageHealthcheck IMAGE = new ImageHealthcheck(List.of("CMD", "/bin/check", "--quick"),
            Duration.ofSeconds(5), Duration.ofSeconds(2), 7, Duration.ofSeconds(40));

    @Test
    void dockersDefaultsAndShellForm() {
        HealthCheckSpec s = HealthCheckSpec.resolve(spec(HealthCheck.newBuilder().addTest("CMD-SHELL").addTest("wget -q localhost || exit 1")),
                Optional.empty()).orElseThrow();
        assertEquals(List.of("/bin/sh", "-c", "wget -q localhost || exit 1"), s.argv());
        assertEquals(Duration.ofSeconds(30), s.interval());
        assertEquals(Duration.ofSeconds(30), s.timeout());
        assertEquals(3, s.retries());
        assertEquals(Duration.ZERO, s.startPeriod());
        assertEquals(HealthCheck.OnFailure.NONE, s.onFailure());
    }

    @Test
    void execFormAndOwnSettings() {
        HealthCheckSpec s = HealthCheckSpec.resolve(spec(HealthCheck.newBuilder().addTest("CMD").addTest("true").setIntervalMs(200)
                .setTimeoutMs(100).setRetries(2).setStartPeriodMs(1000).setOnFailure(HealthCheck.OnFailure.RESTART)), Optional.of(IMAGE)).orElseThrow();
        assertEquals(new HealthCheckSpec(List.of("true"), Duration.ofMillis(200), Duration.ofMillis(100), 2, Duration.ofSeconds(1),
                HealthCheck.OnFailure.RESTART), s);
    }

    @Test
    void theImagesCheckWithTheSpecsSettingsOverIt() {
        assertEquals(new HealthCheckSpec(List.of("/bin/check", "--quick"), Duration.ofSeconds(5), Duration.ofSeconds(2), 7,
                Duration.ofSeconds(40), HealthCheck.OnFailure.NONE),
                HealthCheckSpec.resolve(WorkloadSpec.newBuilder().setImage("x").build(), Optional.of(IMAGE)).orElseThrow());
        HealthCheckSpec merged = HealthCheckSpec.resolve(spec(HealthCheck.newBuilder().setIntervalMs(1000)), Optional.of(IMAGE)).orElseThrow();
        assertEquals(List.of("/bin/check", "--quick"), merged.argv());
        assertEquals(Duration.ofSeconds(1), merged.interval());
        assertEquals(7, merged.retries());
    }

    @Test
    void noneAndDisabledTurnItOff() {
        assertTrue(HealthCheckSpec.resolve(spec(HealthCheck.newBuilder().setDisabled(true)), Optional.of(IMAGE)).isEmpty());
        assertTrue(HealthCheckSpec.resolve(spec(HealthCheck.newBuilder().addTest("NONE")), Optional.of(IMAGE)).isEmpty());
        assertTrue(HealthCheckSpec.resolve(WorkloadSpec.newBuilder().build(), Optional.empty()).isEmpty());
        assertTrue(HealthCheckSpec.resolve(WorkloadSpec.newBuilder().build(),
                Optional.of(new ImageHealthcheck(List.of("NONE"), Duration.ZERO, Duration.ZERO, 0, Duration.ZERO))).isEmpty());
    }

    @Test
    void badChecksAreOneLineErrors() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> HealthCheckSpec.resolve(spec(HealthCheck.newBuilder().addTest("RUN").addTest("x")), Optional.empty()));
        assertEquals("health check test must start with NONE, CMD or CMD-SHELL, not 'RUN'", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> HealthCheckSpec.resolve(spec(HealthCheck.newBuilder().addTest("CMD")), Optional.empty()));
        assertThrows(IllegalArgumentException.class,
                () -> HealthCheckSpec.resolve(spec(HealthCheck.newBuilder().addTest("CMD").addTest("x").setIntervalMs(-1)), Optional.empty()));
    }

    @Test
    void readsTheImageConfigsHealthcheckInNanoseconds() throws Exception {
        var blob = new ObjectMapper().readTree("""
                {"architecture":"amd64","config":{"Cmd":["sh"],"Healthcheck":{"Test":["CMD-SHELL","curl -f http://localhost/"],
                 "Interval":5000000000,"Timeout":3000000000,"StartPeriod":1000000000,"Retries":4}}}""");
        ImageHealthcheck hc = ImageHealthcheck.fromConfigJson(blob).orElseThrow();
        assertEquals(new ImageHealthcheck(List.of("CMD-SHELL", "curl -f http://localhost/"), Duration.ofSeconds(5),
                Duration.ofSeconds(3), 4, Duration.ofSeconds(1)), hc);
        assertEquals(hc, ImageHealthcheck.fromConfigJson(blob.get("config")).orElseThrow(), "the inner config object works too");
        assertTrue(ImageHealthcheck.fromConfigJson(new ObjectMapper().readTree("{\"config\":{\"Cmd\":[\"sh\"]}}")).isEmpty());
    }
}
