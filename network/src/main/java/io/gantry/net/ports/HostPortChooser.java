package io.gantry.net.ports;

import io.gantry.net.NetworkException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Fills in host ports for {@code -p CONTAINER_PORT} mappings and detects conflicts, given the
 * mappings already published on a node. Pure: the scheduler uses it for placement (a taken port
 * is a placement constraint) and the agent to double check. A port counts as taken per
 * protocol regardless of the host IP (conservative: 0.0.0.0 overlaps every address).
 * Chosen ports come from a range that avoids the kernel's ephemeral ports (default 30000-32767).
 */
public final class HostPortChooser {
    public static final int DEFAULT_FIRST = 30000;
    public static final int DEFAULT_LAST = 32767;

    private final int first;
    private final int last;

    public HostPortChooser(int first, int last) {
        if (first < 1 || last > 65535 || last < first) {
            throw new NetworkException("bad host port range " + first + "-" + last);
        }
        this.first = first;
        this.last = last;
    }

    public static HostPortChooser defaults() {
        return new HostPortChooser(DEFAULT_FIRST, DEFAULT_LAST);
    }

    /** The first wanted mapping whose host port is already used, as a one-line reason. */
    public static Optional<String> conflict(Collection<PortMapping> wanted, Collection<PortMapping> used) {
        Set<String> taken = keys(used);
        Set<String> mine = new HashSet<>();
        for (PortMapping m : wanted) {
            if (!m.chosen()) {
                continue;
            }
            String k = key(m);
            if (taken.contains(k)) {
                return Optional.of("host port " + m.hostPort() + "/" + m.protocol().lower() + " is already in use");
            }
            if (!mine.add(k)) {
                return Optional.of("host port " + m.hostPort() + "/" + m.protocol().lower() + " is published twice");
            }
        }
        return Optional.empty();
    }

    /** The wanted mappings with every host port 0 replaced by the lowest free port of the range. */
    public List<PortMapping> choose(Collection<PortMapping> wanted, Collection<PortMapping> used) {
        conflict(wanted, used).ifPresent(r -> {
            throw new NetworkException(r);
        });
        Set<String> taken = keys(used);
        taken.addAll(keys(wanted));
        List<PortMapping> out = new ArrayList<>();
        for (PortMapping m : wanted) {
            if (m.chosen()) {
                out.add(m);
                continue;
            }
            int p = first;
            while (p <= last && taken.contains(key(m.protocol(), p))) {
                p++;
            }
            if (p > last) {
                throw new NetworkException("no free host port for " + m.containerPort() + "/" + m.protocol().lower()
                        + " in " + first + "-" + last);
            }
            taken.add(key(m.protocol(), p));
            out.add(m.withHostPort(p));
        }
        return out;
    }

    private static Set<String> keys(Collection<PortMapping> ms) {
        Set<String> s = new HashSet<>();
        for (PortMapping m : ms) {
            if (m.chosen()) {
                s.add(key(m));
            }
        }
        return s;
    }

    private static String key(PortMapping m) {
        return key(m.protocol(), m.hostPort());
    }

    private static String key(Protocol p, int port) {
        return p + "/" + port;
    }
}
