package io.gantry.agent.health;

import java.time.Duration;
import java.util.List;

/** Runs one probe command inside a container, killing it when {@code timeout} passes. */
@FunctionalInterface
public interface HealthProbe {
    ProbeResult run(List<String> argv, Duration timeout) throws InterruptedException;
}
