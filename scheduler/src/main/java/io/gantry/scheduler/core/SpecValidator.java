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

    private static final Pattern SIZE = Pattern.compile("(\\d+)([bkmg]?)", Pattern.CASE_INSENSITIVE);

    private static void validateHealthAndLogs(WorkloadSpec spec) {
        if (spec.hasHealthcheck()) {
            var h = spec.getHealthcheck();
            if (!h.getDisabled() && !h.getTestList().isEmpty()) {
                String kind = h.getTest(0);
                if (!kind.equals("CMD") && !kind.equals("CMD-SHELL") && !kind.equals("NONE")) {
                    throw invalid("invalid health check test \"" + kind + "\": the first word must be CMD, CMD-SHELL or NONE");
                }
                if (!kind.equals("NONE") && h.getTestCount() < 2) {
                    throw invalid("health check " + kind + " needs a command");
                }
            }
            if (h.getIntervalMs() < 0 || h.getTimeoutMs() < 0 || h.getStartPeriodMs() < 0) {
                throw invalid("health check interval, timeout and start period must not be negative");
            }
            if (h.getRetries() < 0) {
                throw invalid("health check retries must be >= 0, got " + h.getRetries());
            }
        }
        for (var e : spec.getLogOptionsMap().entrySet()) {
            switch (e.getKey()) {
                case "max-size" -> {
                    if (!SIZE.matcher(e.getValue()).matches() || e.getValue().startsWith("0")) {
                        throw invalid("invalid log option max-size=" + e.getValue() + ": expected a size like 10m (b, k, m or g)");
                    }
                }
                case "max-file" -> {
                    if (!e.getValue().matches("[1-9]\\d{0,3}")) {
                        throw invalid("invalid log option max-file=" + e.getValue() + ": expected a number from 1");
                    }
                }
                default -> throw invalid("unknown log option \"" + e.getKey() + "\": use max-size or max-file");
            }
        }
        String mode = spec.getNetworkMode();
        if (!mode.isEmpty() && !mode.equals("bridge") && !mode.equals("host") && !mode.equals("none")) {
            throw invalid("invalid network mode \"" + mode + "\": use bridge, host or none (overlay networks go in networks)");
        }
        if ((mode.equals("host") || mode.equals("none")) && spec.getNetworksCount() > 0) {
            throw invalid("conflicting options: --network " + mode + " cannot be combined with other networks");
        }
        for (String h : spec.getExtraHostsList()) {
            if (!h.matches("[^:\\s]+:\\d{1,3}(\\.\\d{1,3}){3}")) {
                throw invalid("invalid extra host \"" + h + "\": expected HOST:IP");
            }
        }
        for (String d : spec.getDnsList()) {
            if (!d.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
                throw invalid("invalid DNS server \"" + d + "\": not an IPv4 address");
            }
        }
        if (!spec.getStopSignal().isEmpty()) {
            try {
                Signals.canonical(spec.getStopSignal());
            } catch (RuntimeException e) {
                throw invalid("invalid stop signal \"" + spec.getStopSignal() + "\"");
            }
        }
    }

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
        validateContainerOptions(spec);
        validateHealthAndLogs(spec);
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

    static final Pattern HOSTNAME_LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
    static final Pattern VOLUME_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}");
    static final int MAX_SECCOMP_PROFILE_BYTES = 1 << 20;

    /**
     * What can be told without the node: the agent checks the rest (capability names, limits above its own,
     * whether a bind source exists and is not a link) and fails the container with a reason.
     */
    private static void validateContainerOptions(WorkloadSpec spec) {
        String host = spec.getHostname();
        if (!host.isEmpty() && (host.length() > 253
                || !java.util.Arrays.stream(host.split("\\.", -1)).allMatch(l -> HOSTNAME_LABEL.matcher(l).matches()))) {
            throw invalid("invalid hostname \"" + host + "\": use letters, digits and '-' in dot-separated labels of up to 63");
        }
        if (spec.getShmSizeBytes() < 0) {
            throw invalid("shm size must be >= 0, got " + spec.getShmSizeBytes());
        }
        if (spec.getSecurity().getSeccomp().length() > MAX_SECCOMP_PROFILE_BYTES) {
            throw invalid("the seccomp profile is larger than 1 MiB");
        }
        var ulimitNames = new java.util.HashSet<String>();
        for (var u : spec.getUlimitsList()) {
            if (!ulimitNames.add(u.getName())) {
                throw invalid("ulimit " + u.getName() + " is given twice");
            }
            if (u.getSoft() < -1 || u.getHard() < -1 || (u.getHard() != -1 && (u.getSoft() == -1 || u.getSoft() > u.getHard()))) {
                throw invalid("invalid ulimit " + u.getName() + "=" + u.getSoft() + ":" + u.getHard()
                        + ": the soft limit must not exceed the hard one");
            }
        }
        var targets = new java.util.HashSet<String>();
        for (var m : spec.getMountsList()) {
            String target = m.getTarget();
            if (!target.startsWith("/") || target.equals("/") || target.contains("\0")
                    || java.util.Arrays.asList(target.split("/")).contains("..")) {
                throw invalid("invalid mount target \"" + target + "\": must be an absolute path inside the container, not / and without ..");
            }
            if (!targets.add(java.nio.file.Path.of(target).normalize().toString())) {
                throw invalid("duplicate mount target " + target);
            }
            switch (m.getType()) {
                case BIND -> {
                    if (!m.getSource().startsWith("/")) {
                        throw invalid("invalid bind mount source \"" + m.getSource() + "\": must be an absolute host path");
                    }
                }
                case VOLUME -> {
                    if (!VOLUME_NAME.matcher(m.getSource()).matches()) {
                        throw invalid("invalid volume name \"" + m.getSource() + "\": only [a-zA-Z0-9][a-zA-Z0-9_.-]* are allowed");
                    }
                }
                case TMPFS -> {
                    if (!m.getSource().isEmpty() || m.getTmpfsSizeBytes() < 0 || m.getTmpfsMode() > 07777) {
                        throw invalid("invalid tmpfs mount at " + target + ": no source, size >= 0, mode at most 7777");
                    }
                }
                default -> throw invalid("unknown mount type for " + target);
            }
            if (m.getType() != io.gantry.proto.Mount.Type.TMPFS && (m.getTmpfsSizeBytes() != 0 || m.getTmpfsMode() != 0)) {
                throw invalid("tmpfs size and mode are only for tmpfs mounts (" + target + ")");
            }
        }
    }

    private static StatusRuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }
}
