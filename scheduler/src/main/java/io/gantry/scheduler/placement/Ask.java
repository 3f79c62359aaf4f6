package io.gantry.scheduler.placement;

import io.gantry.proto.Workload;
import java.util.List;

/**
 * What one workload asks of a node. Zero resources mean "no limit asked" and always fit.
 *
 * @param service     the service this is a replica of (same key as {@link NodeSnapshot#replicas()}); empty for a
 *                    plain container, which is bin-packed and ignores {@code preferences}
 * @param constraints all must hold on the chosen node
 * @param preferences spread the service's replicas over these labels' values, first preference first
 */
public record Ask(long cpuMillis, long memoryBytes, List<HostPort> ports, String service,
                  List<PlacementConstraint> constraints, List<SpreadPreference> preferences) {
    public Ask {
        if (cpuMillis < 0 || memoryBytes < 0) {
            throw new IllegalArgumentException("resources asked must be >= 0");
        }
        ports = List.copyOf(ports);
        service = service == null ? "" : service;
        constraints = List.copyOf(constraints);
        preferences = List.copyOf(preferences);
    }

    /** A plain container with no placement rules. */
    public Ask(long cpuMillis, long memoryBytes, List<HostPort> ports) {
        this(cpuMillis, memoryBytes, ports, "", List.of(), List.of());
    }

    /**
     * The ask of a stored workload: its resources, host ports, service, constraints and preferences.
     *
     * @throws IllegalArgumentException (one line) if a stored constraint or preference is malformed
     */
    public static Ask of(Workload w) {
        var spec = w.getSpec();
        var r = spec.getResources();
        return new Ask(r.getCpuMillis(), r.getMemoryBytes(), HostPort.of(spec), w.getService(),
                Constraints.constraintsOf(spec.getConstraintsList()), Constraints.preferencesOf(spec.getPreferencesList()));
    }

    /** Whether spreading counts for this ask: only service replicas are spread. */
    public boolean isReplica() {
        return !service.isEmpty();
    }
}
