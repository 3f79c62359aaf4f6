package io.gantry.scheduler.placement;

/** A host port a workload wants to bind, e.g. {@code 8080/tcp}. */
public record HostPort(int port, String protocol) {
    public HostPort {
        protocol = protocol == null || protocol.isBlank() ? "tcp" : protocol.toLowerCase(java.util.Locale.ROOT);
    }

    /** The host ports {@code spec} publishes (those with a host port). */
    public static java.util.List<HostPort> of(io.gantry.proto.WorkloadSpec spec) {
        return spec.getPortsList().stream().filter(p -> p.getHostPort() > 0)
                .map(p -> new HostPort(p.getHostPort(), p.getProtocol())).toList();
    }

    @Override
    public String toString() {
        return port + "/" + protocol;
    }
}
