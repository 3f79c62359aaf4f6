package io.gantry.agent.net;

import java.util.List;

/**
 * One container's network as set up on this node, persisted (JSON) beside its hosts and resolv.conf so
 * that a restarted agent knows which interface index belongs to which network.
 *
 * @param mode       ATTACHED, HOST or NONE
 * @param interfaces eth0, eth1, ...
 * @param ports      published, host ports chosen
 */
record ContainerNet(String id, ContainerNetworks.Mode mode, String hostname, List<Iface> interfaces, List<Port> ports,
                    List<String> dns, List<String> extraHosts) {
    static final String BRIDGE_ID = "bridge";

    ContainerNet {
        interfaces = interfaces == null ? List.of() : List.copyOf(interfaces);
        ports = ports == null ? List.of() : List.copyOf(ports);
        dns = dns == null ? List.of() : List.copyOf(dns);
        extraHosts = extraHosts == null ? List.of() : List.copyOf(extraHosts);
    }

    /** @param networkId the overlay network's id, or {@link #BRIDGE_ID} for the node bridge */
    record Iface(int index, String networkId, String network, String ip, boolean defaultRoute) {
    }

    record Port(String hostIp, int hostPort, int containerPort, String protocol) {
    }

    ContainerNet withInterfaces(List<Iface> i) {
        return new ContainerNet(id, mode, hostname, i, ports, dns, extraHosts);
    }

    ContainerNet withPorts(List<Port> p) {
        return new ContainerNet(id, mode, hostname, interfaces, p, dns, extraHosts);
    }

    String bridgeIp() {
        return interfaces.stream().filter(i -> i.networkId().equals(BRIDGE_ID)).map(Iface::ip).findFirst().orElse("");
    }
}
