package io.gantry.scheduler.core;

import io.gantry.proto.WorkloadSpec;
import io.gantry.scheduler.placement.Constraints;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.regex.Pattern;

/** Checks a submitted spec and fails with one INVALID_ARGUMENT line meant for the user. */
public final class SpecValidator {
    public static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");

    private SpecValidator() {}

    public static void validate(WorkloadSpec spec) {
        if (!spec.getName().isEmpty() && !NAME.matcher(spec.getName()).matches()) {
            throw invalid("invalid container name \"" + spec.getName() + "\": only [a-zA-Z0-9][a-zA-Z0-9_.-]* are allowed");
        }
        if (spec.getImage().isBlank()) {
            throw invalid("an image is required");
        }
        var r = spec.getResources();
        if (r.getMemoryBytes() < 0) {
            throw invalid("memory must be >= 0, got " + r.getMemoryBytes());
        }
        if (r.getCpuMillis() < 0) {
            throw invalid("cpu must be >= 0, got " + r.getCpuMillis() + " millicores");
        }
        if (r.getPidsLimit() < 0) {
            throw invalid("pids limit must be >= 0, got " + r.getPidsLimit());
        }
        if (spec.getRestart().getMaxRetries() < 0) {
            throw invalid("restart max retries must be >= 0, got " + spec.getRestart().getMaxRetries());
        }
        for (var p : spec.getPortsList()) {
            if (p.getHostPort() < 0 || p.getHostPort() > 65535) {
                throw invalid("invalid host port " + p.getHostPort() + ": must be 0-65535");
            }
            if (p.getContainerPort() < 1 || p.getContainerPort() > 65535) {
                throw invalid("invalid container port " + p.getContainerPort() + ": must be 1-65535");
            }
            String proto = p.getProtocol();
            if (!proto.isEmpty() && !proto.equalsIgnoreCase("tcp") && !proto.equalsIgnoreCase("udp")) {
                throw invalid("invalid port protocol \"" + proto + "\": must be tcp or udp");
            }
        }
        try {
            Constraints.constraintsOf(spec.getConstraintsList());
            Constraints.preferencesOf(spec.getPreferencesList());
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        }
        for (String e : spec.getEnvList()) {
            if (e.isEmpty() || e.startsWith("=")) {
                throw invalid("invalid environment variable \"" + e + "\": expected KEY=VALUE");
            }
        }
    }

    private static StatusRuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }
}
