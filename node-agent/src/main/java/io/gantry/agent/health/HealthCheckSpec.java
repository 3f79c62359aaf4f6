package io.gantry.agent.health;

import io.gantry.proto.HealthCheck;
import io.gantry.proto.WorkloadSpec;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The health check a container actually runs: the spec's {@code --health-*} merged over the image's
 * HEALTHCHECK field by field (as Docker merges them), with Docker's defaults for what neither sets.
 *
 * @param argv the probe command as exec'd in the container (CMD-SHELL becomes {@code /bin/sh -c ...})
 */
public record HealthCheckSpec(List<String> argv, Duration interval, Duration timeout, int retries, Duration startPeriod,
                              HealthCheck.OnFailure onFailure) {
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(30);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_RETRIES = 3;

    public HealthCheckSpec {
        argv = List.copyOf(argv);
    }

    /**
     * Empty when the container has no health check ({@code --no-healthcheck}, test {@code NONE}, or none set).
     *
     * @throws IllegalArgumentException with a one-line message for a malformed check
     */
    public static Optional<HealthCheckSpec> resolve(WorkloadSpec spec, Optional<ImageHealthcheck> image) {
        HealthCheck own = spec.hasHealthcheck() ? spec.getHealthcheck() : null;
        if (own != null && own.getDisabled()) {
            return Optional.empty();
        }
        ImageHealthcheck img = image.orElse(null);
        List<String> test = own != null && own.getTestCount() > 0 ? own.getTestList() : img != null ? img.test() : List.of();
        if (test.isEmpty()) {
            return Optional.empty();
        }
        Duration interval = pick(own == null ? 0 : own.getIntervalMs(), img == null ? null : img.interval(), DEFAULT_INTERVAL, "interval");
        Duration timeout = pick(own == null ? 0 : own.getTimeoutMs(), img == null ? null : img.timeout(), DEFAULT_TIMEOUT, "timeout");
        Duration startPeriod = pick(own == null ? 0 : own.getStartPeriodMs(), img == null ? null : img.startPeriod(), Duration.ZERO, "start period");
        int retries = own != null && own.getRetries() != 0 ? own.getRetries() : img != null && img.retries() != 0 ? img.retries() : DEFAULT_RETRIES;
        if (retries < 0) {
            throw new IllegalArgumentException("health check retries must not be negative: " + retries);
        }
        HealthCheck.OnFailure onFailure = own == null ? HealthCheck.OnFailure.NONE : own.getOnFailure();
        if (onFailure == HealthCheck.OnFailure.UNRECOGNIZED) {
            throw new IllegalArgumentException("unknown health check on-failure action");
        }
        List<String> argv = switch (test.getFirst()) {
            case "NONE" -> null;
            case "CMD" -> {
                if (test.size() < 2 || test.get(1).isEmpty()) {
                    throw new IllegalArgumentException("health check CMD needs a command");
                }
                yield test.subList(1, test.size());
            }
            case "CMD-SHELL" -> {
                String command = String.join(" ", test.subList(1, test.size())).strip();
                if (command.isEmpty()) {
                    throw new IllegalArgumentException("health check CMD-SHELL needs a command");
                }
                yield List.of("/bin/sh", "-c", command);
            }
            default -> throw new IllegalArgumentException("health check test must start with NONE, CMD or CMD-SHELL, not '"
                    + test.getFirst() + "'");
        };
        if (argv == null) {
            return Optional.empty();
        }
        return Optional.of(new HealthCheckSpec(argv, interval, timeout, retries, startPeriod, onFailure));
    }

    private static Duration pick(long ownMillis, Duration image, Duration fallback, String what) {
        if (ownMillis < 0) {
            throw new IllegalArgumentException("health check " + what + " must not be negative: " + ownMillis + " ms");
        }
        if (ownMillis > 0) {
            return Duration.ofMillis(ownMillis);
        }
        return image != null && !image.isZero() ? image : fallback;
    }
}
