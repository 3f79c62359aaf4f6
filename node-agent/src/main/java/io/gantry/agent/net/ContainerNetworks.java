package io.gantry.agent.net;

import io.gantry.proto.Assignment;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What the container runtime asks of networking: set a container's network up before its OCI spec
 * is written ({@link #prepare}), say what it got (for its status), and take it down at removal.
 * {@link #NONE} leaves containers in runc's own loopback-only namespace (simulated nodes, old tests).
 */
public interface ContainerNetworks {
    enum Mode {
        /** Leave the spec alone: runc makes a fresh namespace with loopback only. */
        UNCHANGED,
        /** The node's namespace: no network namespace in the spec. */
        HOST,
        /** A fresh namespace with loopback only (runc's), with our hosts and resolv.conf. */
        NONE,
        /** Our named namespace with interfaces on the node bridge and/or overlay networks. */
        ATTACHED
    }

    /**
     * @param netns          the namespace path for the spec (ATTACHED only)
     * @param hosts          the container's /etc/hosts (null: none)
     * @param resolvConf     the container's /etc/resolv.conf (null: none)
     * @param publishedPorts host ports actually published (chosen ones filled in)
     * @param bridgeIp       its address on the node bridge, "" when not on it
     */
    record Prepared(Mode mode, Path netns, Path hosts, Path resolvConf, List<io.gantry.proto.PortMapping> publishedPorts,
                    String bridgeIp) {
        public static final Prepared UNCHANGED = new Prepared(Mode.UNCHANGED, null, null, null, List.of(), "");

        public Prepared {
            publishedPorts = List.copyOf(publishedPorts);
            bridgeIp = bridgeIp == null ? "" : bridgeIp;
        }
    }

    /** Sets the container's network up (idempotent); a one-line {@link io.gantry.net.NetworkException} when it cannot. */
    Prepared prepare(String id, Assignment assignment, String hostname);

    /** What the container has now (after an agent restart too); empty when nothing was set up. */
    Optional<Prepared> current(String id);

    /** Removes the container's namespace, interfaces, published ports and files. */
    void release(String id);

    ContainerNetworks NONE = new ContainerNetworks() {
        @Override
        public Prepared prepare(String id, Assignment assignment, String hostname) {
            return Prepared.UNCHANGED;
        }

        @Override
        public Optional<Prepared> current(String id) {
            return Optional.empty();
        }

        @Override
        public void release(String id) {
        }
    };
}
