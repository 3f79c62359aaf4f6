package io.gantry.agent;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * How a node agent runs.
 *
 * @param schedulerAddresses host:port of schedulers (any of them; followers redirect to the leader),
 *                           or {@code inprocess:NAME} for an in-process gRPC server (tests)
 * @param defaultRegistry    where unqualified images come from until {@code Registered} says otherwise
 * @param cgroupParent       containers get cgroup {@code /<cgroupParent>/<id>}
 * @param defaultPidsLimit   pids limit for workloads that ask for 0
 */
public record AgentConfig(List<String> schedulerAddresses, String nodeName, String advertiseAddress, Path dataDir,
                          Map<String, String> labels, String defaultRegistry, Path runcBinary, Path conmonBinary,
                          Path runcRoot, String cgroupParent, long defaultPidsLimit) {
    public static final Path DEFAULT_RUNC = Path.of("/usr/sbin/runc");
    public static final Path DEFAULT_CONMON = Path.of("/usr/bin/conmon");
    public static final Path DEFAULT_RUNC_ROOT = Path.of("/run/gantry/runc");
    public static final String DEFAULT_CGROUP_PARENT = "gantry";
    public static final long DEFAULT_PIDS_LIMIT = 4096;
    public static final String DEFAULT_REGISTRY = "127.0.0.1:5000";

    public AgentConfig {
        if (schedulerAddresses == null || schedulerAddresses.isEmpty()) {
            throw new IllegalArgumentException("at least one scheduler address is needed");
        }
        if (nodeName == null || nodeName.isBlank()) {
            throw new IllegalArgumentException("the node name must not be empty");
        }
        schedulerAddresses = List.copyOf(schedulerAddresses);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        advertiseAddress = advertiseAddress == null ? "" : advertiseAddress;
    }

    /** Standard binaries, runc root /run/gantry/runc, cgroup parent "gantry", pids limit 4096, registry 127.0.0.1:5000. */
    public static AgentConfig defaults(List<String> schedulerAddresses, String nodeName, Path dataDir) {
        return new AgentConfig(schedulerAddresses, nodeName, "127.0.0.1", dataDir, Map.of(), DEFAULT_REGISTRY,
                DEFAULT_RUNC, DEFAULT_CONMON, DEFAULT_RUNC_ROOT, DEFAULT_CGROUP_PARENT, DEFAULT_PIDS_LIMIT);
    }

    public AgentConfig withRuncRoot(Path root) {
        return new AgentConfig(schedulerAddresses, nodeName, advertiseAddress, dataDir, labels, defaultRegistry,
                runcBinary, conmonBinary, root, cgroupParent, defaultPidsLimit);
    }

    public AgentConfig withCgroupParent(String parent) {
        return new AgentConfig(schedulerAddresses, nodeName, advertiseAddress, dataDir, labels, defaultRegistry,
                runcBinary, conmonBinary, runcRoot, parent, defaultPidsLimit);
    }

    public AgentConfig withLabels(Map<String, String> newLabels) {
        return new AgentConfig(schedulerAddresses, nodeName, advertiseAddress, dataDir, newLabels, defaultRegistry,
                runcBinary, conmonBinary, runcRoot, cgroupParent, defaultPidsLimit);
    }
}
