package io.gantry.agent.health;

import io.gantry.proto.HealthStatus;
import java.time.Duration;
import java.time.Instant;

/**
 * Docker's health state machine, pure: STARTING until the first successful probe; a failure while still
 * STARTING and within the start period does not count; {@code retries} consecutive counted failures make it
 * UNHEALTHY; any success makes it HEALTHY again and resets the streak. A timed-out probe is a failure.
 */
public final class HealthMonitor {
    private final Instant containerStartedAt;
    private final Duration startPeriod;
    private final int retries;
    private HealthSnapshot current;

    public HealthMonitor(Instant containerStartedAt, Duration startPeriod, int retries) {
        this(containerStartedAt, startPeriod, retries, HealthSnapshot.STARTING);
    }

    /** Continues from {@code from} (e.g. after an unpause: Docker keeps the status). */
    public HealthMonitor(Instant containerStartedAt, Duration startPeriod, int retries, HealthSnapshot from) {
        if (retries < 1) {
            throw new IllegalArgumentException("health check retries must be at least 1, not " + retries);
        }
        this.containerStartedAt = containerStartedAt;
        this.startPeriod = startPeriod;
        this.retries = retries;
        this.current = from.status() == HealthStatus.HEALTH_NONE ? HealthSnapshot.STARTING : from;
    }

    public synchronized HealthSnapshot current() {
        return current;
    }

    /**
     * Applies one probe's outcome; {@code probeStartedAt} decides whether it falls within the start period.
     * Returns the new snapshot (the same object when nothing a user could see changed but the output).
     */
    public synchronized HealthSnapshot record(ProbeResult result, Instant probeStartedAt) {
        String output = result.output();
        if (result.ok()) {
            current = new HealthSnapshot(HealthStatus.HEALTHY, 0, output);
            return current;
        }
        boolean inStartPeriod = current.status() == HealthStatus.HEALTH_STARTING
                && Duration.between(containerStartedAt, probeStartedAt).compareTo(startPeriod) < 0;
        if (inStartPeriod) {
            current = new HealthSnapshot(current.status(), current.failingStreak(), output);
            return current;
        }
        int streak = current.failingStreak() + 1;
        HealthStatus status = streak >= retries ? HealthStatus.UNHEALTHY : current.status();
        current = new HealthSnapshot(status, streak, output);
        return current;
    }
}
