package io.gantry.agent.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.gantry.proto.HealthStatus;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class HealthMonitorTest {
    private static final Instant START = Instant.parse("2026-11-22T10:00:00Z");
    private static final ProbeResult OK = new ProbeResult(0, "ok", false);
    private static final ProbeResult FAIL = new ProbeResult(1, "bad", false);

    private static Instant at(long seconds) {
        return START.plusSeconds(seconds);
    }

    @Test
    void startingUntilTheFirstSuccessThenHealthy() {
        HealthMonitor m = new HealthMonitor(START, Duration.ZERO, 3);
        assertEquals(HealthStatus.HEALTH_STARTING, m.current().status());
        HealthSnapshot s = m.record(OK, at(30));
        assertEquals(new HealthSnapshot(HealthStatus.HEALTHY, 0, "ok"), s);
    }

    @Test
    void unhealthyAfterRetriesConsecutiveFailuresAndHealthyAgainAfterASuccess() {
        HealthMonitor m = new HealthMonitor(START, Duration.ZERO, 3);
        m.record(OK, at(1));
        assertEquals(new HealthSnapshot(HealthStatus.HEALTHY, 1, "bad"), m.record(FAIL, at(2)));
        assertEquals(HealthStatus.HEALTHY, m.record(FAIL, at(3)).status());
        assertEquals(new HealthSnapshot(HealthStatus.UNHEALTHY, 3, "bad"), m.record(FAIL, at(4)));
        assertEquals(new HealthSnapshot(HealthStatus.UNHEALTHY, 4, "bad"), m.record(FAIL, at(5)));
        assertEquals(new HealthSnapshot(HealthStatus.HEALTHY, 0, "ok"), m.record(OK, at(6)));
    }

    @Test
    void aSuccessBreaksTheStreak() {
        HealthMonitor m = new HealthMonitor(START, Duration.ZERO, 2);
        m.record(FAIL, at(1));
        m.record(OK, at(2));
        assertEquals(HealthStatus.HEALTHY, m.record(FAIL, at(3)).status(), "one failure after a success is not two in a row");
        assertEquals(HealthStatus.UNHEALTHY, m.record(FAIL, at(4)).status());
    }

    @Test
    void failuresNeverSeenHealthyCountOutsideTheStartPeriod() {
        HealthMonitor m = new HealthMonitor(START, Duration.ZERO, 2);
        m.record(FAIL, at(1));
        assertEquals(new HealthSnapshot(HealthStatus.UNHEALTHY, 2, "bad"), m.record(FAIL, at(2)), "straight from STARTING");
    }

    @Test
    void failuresDuringTheStartPeriodDoNotCount() {
        HealthMonitor m = new HealthMonitor(START, Duration.ofSeconds(10), 1);
        assertEquals(new HealthSnapshot(HealthStatus.HEALTH_STARTING, 0, "bad"), m.record(FAIL, at(3)));
        assertEquals(new HealthSnapshot(HealthStatus.HEALTH_STARTING, 0, "bad"), m.record(FAIL, at(9)));
        // the probe's start time decides: one started at 10 s is past the period
        assertEquals(new HealthSnapshot(HealthStatus.UNHEALTHY, 1, "bad"), m.record(FAIL, at(10)));
    }

    @Test
    void aSuccessDuringTheStartPeriodEndsItsGrace() {
        HealthMonitor m = new HealthMonitor(START, Duration.ofSeconds(60), 1);
        m.record(OK, at(1));
        assertEquals(HealthStatus.UNHEALTHY, m.record(FAIL, at(2)).status(), "started: failures count from now on");
    }

    @Test
    void aTimedOutProbeIsAFailureWhateverItsExitCode() {
        HealthMonitor m = new HealthMonitor(START, Duration.ZERO, 1);
        HealthSnapshot s = m.record(ProbeResult.timeout(500, ""), at(1));
        assertEquals(HealthStatus.UNHEALTHY, s.status());
        assertEquals("health check timed out after 500 ms", s.lastOutput());
        assertEquals(false, new ProbeResult(0, "", true).ok());
    }

    @Test
    void continuesFromAnEarlierSnapshot() {
        HealthMonitor m = new HealthMonitor(START, Duration.ZERO, 3, new HealthSnapshot(HealthStatus.HEALTHY, 2, "x"));
        assertEquals(HealthStatus.UNHEALTHY, m.record(FAIL, at(100)).status());
        assertThrows(IllegalArgumentException.class, () -> new HealthMonitor(START, Duration.ZERO, 0));
    }
}
