package io.gantry.net.ipam;

import io.gantry.net.NetworkException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * VXLAN network identifiers, one per overlay network, lowest free first (default 4096-16777215:
 * below 4096 is left to VLAN-mapped setups). Idempotent per network; not thread-safe.
 */
public final class VniPool {
    public static final int DEFAULT_FIRST = 4096;
    public static final int MAX = 16_777_215;

    /** Persisted form. */
    public record State(int first, int last, Map<String, Integer> leases) {
        public State {
            leases = leases == null ? Map.of() : Map.copyOf(leases);
        }
    }

    private final int first;
    private final int last;
    private final Map<String, Integer> byNetwork = new LinkedHashMap<>();
    private final Map<Integer, String> byVni = new HashMap<>();

    public VniPool(int first, int last) {
        if (first < 1 || last > MAX || last < first) {
            throw new NetworkException("bad VNI range " + first + "-" + last + " (VNIs are 1-" + MAX + ")");
        }
        this.first = first;
        this.last = last;
    }

    public static VniPool defaults() {
        return new VniPool(DEFAULT_FIRST, MAX);
    }

    public static VniPool restore(State s) {
        VniPool p = new VniPool(s.first(), s.last());
        s.leases().forEach((n, v) -> {
            p.byNetwork.put(n, v);
            p.byVni.put(v, n);
        });
        return p;
    }

    public State state() {
        return new State(first, last, byNetwork);
    }

    public int allocate(String network) {
        Integer existing = byNetwork.get(network);
        if (existing != null) {
            return existing;
        }
        for (int v = first; v <= last; v++) {
            if (!byVni.containsKey(v)) {
                byNetwork.put(network, v);
                byVni.put(v, network);
                return v;
            }
        }
        throw new NetworkException("VNI range " + first + "-" + last + " is exhausted");
    }

    public Optional<Integer> vniOf(String network) {
        return Optional.ofNullable(byNetwork.get(network));
    }

    public boolean release(String network) {
        Integer v = byNetwork.remove(network);
        if (v != null) {
            byVni.remove(v);
        }
        return v != null;
    }

    public List<String> networks() {
        return new ArrayList<>(byNetwork.keySet());
    }
}
