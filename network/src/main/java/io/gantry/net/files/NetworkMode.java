package io.gantry.net.files;

import io.gantry.net.NetworkException;

import java.util.List;

/**
 * {@code --network}: as plain data. {@link Host} shares the node's namespace (no namespace of
 * its own, nothing to set up); {@link None} gets a fresh namespace with loopback only;
 * {@link Attached} gets interfaces on the node bridge ("bridge", the default) and/or named networks.
 */
public sealed interface NetworkMode {
    record None() implements NetworkMode {
    }

    record Host() implements NetworkMode {
    }

    /** eth0 on networks[0], eth1 on networks[1], ...; the first non-internal one carries the default route. */
    record Attached(List<String> networks) implements NetworkMode {
        public Attached {
            if (networks.isEmpty()) {
                throw new NetworkException("no network given");
            }
            networks = List.copyOf(networks);
        }
    }

    String BRIDGE = "bridge";

    static NetworkMode parse(List<String> flags) {
        if (flags == null || flags.isEmpty()) {
            return new Attached(List.of(BRIDGE));
        }
        if (flags.size() == 1 && flags.getFirst().equals("none")) {
            return new None();
        }
        if (flags.size() == 1 && flags.getFirst().equals("host")) {
            return new Host();
        }
        for (String f : flags) {
            if (f.equals("none") || f.equals("host")) {
                throw new NetworkException("--network " + f + " cannot be combined with other networks");
            }
            if (!f.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")) {
                throw new NetworkException("bad network name '" + f + "'");
            }
        }
        return new Attached(flags);
    }

    /** Whether the agent must create a namespace before the container starts. */
    default boolean needsNamespace() {
        return this instanceof Attached;
    }
}
