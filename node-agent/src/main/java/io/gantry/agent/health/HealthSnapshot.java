package io.gantry.agent.health;

import io.gantry.proto.HealthStatus;

/** What {@code ps} and {@code inspect} show of a container's health. */
public record HealthSnapshot(HealthStatus status, int failingStreak, String lastOutput) {
    public static final HealthSnapshot NONE = new HealthSnapshot(HealthStatus.HEALTH_NONE, 0, "");
    public static final HealthSnapshot STARTING = new HealthSnapshot(HealthStatus.HEALTH_STARTING, 0, "");
}
