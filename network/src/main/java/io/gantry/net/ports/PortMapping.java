package io.gantry.net.ports;

/**
 * One published port. {@code hostIp} null means every host address (and 127.0.0.1);
 * {@code hostPort} 0 means "choose one" (see {@link HostPortChooser}).
 */
public record PortMapping(String hostIp, int hostPort, int containerPort, Protocol protocol) {
    public PortMapping {
        if (hostPort < 0 || hostPort > 65535 || containerPort < 1 || containerPort > 65535) {
            throw new IllegalArgumentException("port out of range: " + hostPort + ":" + containerPort);
        }
    }

    public boolean chosen() {
        return hostPort != 0;
    }

    public PortMapping withHostPort(int port) {
        return new PortMapping(hostIp, port, containerPort, protocol);
    }

    /** Docker's notation: {@code 0.0.0.0:8080->80/tcp}. */
    @Override
    public String toString() {
        return (hostIp == null ? "0.0.0.0" : hostIp) + ":" + hostPort + "->" + containerPort + "/" + protocol.lower();
    }
}
