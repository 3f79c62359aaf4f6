package io.gantry.scheduler.state;

import io.gantry.proto.Node;
import io.gantry.proto.Service;
import io.gantry.proto.Workload;
import java.util.List;

/** Everything a new leader reads when it takes over. */
public record LoadedState(List<Workload> workloads, List<Node> nodes, List<Service> services,
                          List<io.gantry.proto.Network> networks) {
    public LoadedState {
        workloads = List.copyOf(workloads);
        nodes = List.copyOf(nodes);
        services = List.copyOf(services);
        networks = List.copyOf(networks);
    }

    public LoadedState(List<Workload> workloads, List<Node> nodes, List<Service> services) {
        this(workloads, nodes, services, List.of());
    }
}
