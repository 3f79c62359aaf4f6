package io.gantry.telemetry;

import java.time.Instant;
import java.util.Objects;

/**
 * What the per-container collector needs to know about one running container.
 *
 * @param id               the workload id (not a label: only used in log messages)
 * @param name             container name (label {@code name})
 * @param image            image reference as the user gave it (label {@code image})
 * @param node             node name (label {@code node})
 * @param service          the service it is a replica of, "" for a plain container (label {@code service})
 * @param cgroupPath       the container's cgroup relative to each hierarchy root, e.g. {@code /gantry/0123456789ab}
 *                         (v1: under /sys/fs/cgroup/CONTROLLER, v2: under the unified root)
 * @param pid              a pid inside the container's network namespace (for /proc/PID/net/dev); 0 if unknown
 * @param startedAt        when the container process started
 * @param memoryLimitBytes the configured limit; 0 = take it from the cgroup (0 there too means unlimited)
 */
public record ContainerDescriptor(String id, String name, String image, String node, String service,
                                  String cgroupPath, long pid, Instant startedAt, long memoryLimitBytes) {
    public ContainerDescriptor {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        image = image == null ? "" : image;
        node = node == null ? "" : node;
        service = service == null ? "" : service;
        Objects.requireNonNull(cgroupPath, "cgroupPath");
        Objects.requireNonNull(startedAt, "startedAt");
    }
}
