package io.gantry.scheduler.placement;

/** A host port a workload wants to bind, e.g. {@code 8080/tcp}. */
public record HostPort(int port, String protocol) {
    public HostPort {
        protocol = protocol == null || protocol.isBlank() ? "tcp" : protocol.toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public String toString() {
        return port + "/" + protocol;
    }
}
