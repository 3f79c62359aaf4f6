package io.gantry.image;

import java.util.List;
import java.util.Map;

/**
 * The parts of an OCI image config that decide how a container runs. Lists are never null.
 *
 * @param healthcheck the image's HEALTHCHECK, or null when it has none
 */
public record ImageConfig(
        List<String> env,
        List<String> entrypoint,
        List<String> cmd,
        String workingDir,
        String user,
        Map<String, String> labels,
        String stopSignal,
        Healthcheck healthcheck) {

    public ImageConfig(List<String> env, List<String> entrypoint, List<String> cmd, String workingDir, String user,
                       Map<String, String> labels, String stopSignal) {
        this(env, entrypoint, cmd, workingDir, user, labels, stopSignal, null);
    }

    /** Docker's {@code config.Healthcheck}; durations in nanoseconds, 0 = the default. */
    public record Healthcheck(List<String> test, long intervalNanos, long timeoutNanos, int retries, long startPeriodNanos) {
        public Healthcheck {
            test = List.copyOf(test);
        }
    }
}
