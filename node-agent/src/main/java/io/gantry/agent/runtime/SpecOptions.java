package io.gantry.agent.runtime;

import io.gantry.agent.health.HealthCheckSpec;
import io.gantry.agent.health.ImageHealthcheck;
import io.gantry.agent.logs.LogOptions;
import io.gantry.proto.WorkloadSpec;
import java.util.Optional;

/** The spec's health check, log options and stop signal: checked before anything is pulled or created. */
public final class SpecOptions {
    private SpecOptions() {
    }

    /**
     * @throws IllegalArgumentException with a one-line message for a bad {@code --log-opt}, health check or stop signal
     */
    public static void validate(WorkloadSpec spec) {
        LogOptions.parse(spec.getLogOptionsMap());
        HealthCheckSpec.resolve(spec, Optional.empty());
        if (!spec.getStopSignal().isBlank()) {
            StopSignal.canonical(spec.getStopSignal());
        }
    }

    public static Optional<HealthCheckSpec> healthCheck(WorkloadSpec spec, Optional<ImageHealthcheck> image) {
        return HealthCheckSpec.resolve(spec, image);
    }

    /** For specs validated earlier (recovery): null when there is no check or it does not parse. */
    static HealthCheckSpec healthCheckOrNull(WorkloadSpec spec) {
        try {
            return HealthCheckSpec.resolve(spec, Optional.empty()).orElse(null);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    public static LogOptions logOptions(WorkloadSpec spec) {
        return LogOptions.parse(spec.getLogOptionsMap());
    }

    static LogOptions logOptionsOrUnlimited(WorkloadSpec spec) {
        try {
            return LogOptions.parse(spec.getLogOptionsMap());
        } catch (IllegalArgumentException e) {
            return LogOptions.UNLIMITED;
        }
    }
}
