package io.gantry.net.ipam;

import io.gantry.net.NetworkException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The scheduler's view of the cluster's IPv4 space: a pool of per-node subnets (default
 * 10.42.0.0/16 by /24), a pool of overlay-network subnets (default 10.43.0.0/16 by /24), and
 * subnets users chose with {@code --subnet}. No two of them ever overlap.
 * Not thread-safe; persist {@link #state()} after each change.
 */
public final class ClusterSubnets {
    public static final String DEFAULT_NODE_POOL = "10.42.0.0/16";
    public static final String DEFAULT_NETWORK_POOL = "10.43.0.0/16";
    public static final int DEFAULT_SUBNET_PREFIX = 24;

    private final SubnetPool nodePool;
    private final SubnetPool networkPool;
    private final Map<String, Cidr> userSubnets = new LinkedHashMap<>();

    public ClusterSubnets(SubnetPool nodePool, SubnetPool networkPool) {
        if (nodePool.pool().overlaps(networkPool.pool())) {
            throw new NetworkException("overlapping subnets: node pool " + nodePool.pool() + " and network pool " + networkPool.pool());
        }
        this.nodePool = nodePool;
        this.networkPool = networkPool;
    }

    public static ClusterSubnets defaults() {
        return new ClusterSubnets(SubnetPool.parse(DEFAULT_NODE_POOL, DEFAULT_SUBNET_PREFIX),
                SubnetPool.parse(DEFAULT_NETWORK_POOL, DEFAULT_SUBNET_PREFIX));
    }

    public static ClusterSubnets restore(ClusterSubnetsState s) {
        ClusterSubnets c = new ClusterSubnets(SubnetPool.restore(s.nodePool()), SubnetPool.restore(s.networkPool()));
        for (SubnetLease l : s.userSubnets()) {
            c.userSubnets.put(l.owner(), Cidr.parse(l.subnet()));
        }
        return c;
    }

    public ClusterSubnetsState state() {
        List<SubnetLease> user = new ArrayList<>();
        userSubnets.forEach((n, c) -> user.add(new SubnetLease(n, c.toString())));
        return new ClusterSubnetsState(nodePool.state(), networkPool.state(), user);
    }

    /** The node's container subnet, allocated on first call. */
    public Cidr nodeSubnet(String nodeId) {
        return nodePool.allocate(nodeId, taken());
    }

    public Optional<Cidr> existingNodeSubnet(String nodeId) {
        return nodePool.leaseOf(nodeId);
    }

    public void releaseNode(String nodeId) {
        nodePool.release(nodeId);
    }

    /**
     * The overlay network's subnet: {@code requested} (from --subnet, may be null) if it overlaps
     * nothing allocated, else the lowest free subnet of the network pool. Idempotent per network.
     */
    public Cidr networkSubnet(String network, Cidr requested) {
        Optional<Cidr> existing = existingNetworkSubnet(network);
        if (existing.isPresent()) {
            if (requested != null && !requested.equals(existing.get())) {
                throw new NetworkException("network " + network + " already has subnet " + existing.get());
            }
            return existing.get();
        }
        if (requested == null) {
            return networkPool.allocate(network, taken());
        }
        if (requested.prefix() > 30) {
            throw new NetworkException("subnet " + requested + " is too small: it needs at least a /30");
        }
        for (Map.Entry<String, Cidr> e : allAllocations().entrySet()) {
            if (e.getValue().overlaps(requested)) {
                throw new NetworkException("overlapping subnets: " + requested + " overlaps " + e.getValue() + " of " + e.getKey());
            }
        }
        userSubnets.put(network, requested);
        return requested;
    }

    public Optional<Cidr> existingNetworkSubnet(String network) {
        Cidr user = userSubnets.get(network);
        return user != null ? Optional.of(user) : networkPool.leaseOf(network);
    }

    public void releaseNetwork(String network) {
        if (userSubnets.remove(network) == null) {
            networkPool.release(network);
        }
    }

    /** Every allocation, keyed by a readable owner ("node X", "network Y"). */
    public Map<String, Cidr> allAllocations() {
        Map<String, Cidr> all = new LinkedHashMap<>();
        nodePool.leases().forEach((k, v) -> all.put("node " + k, v));
        networkPool.leases().forEach((k, v) -> all.put("network " + k, v));
        userSubnets.forEach((k, v) -> all.put("network " + k, v));
        return all;
    }

    private List<Cidr> taken() {
        return List.copyOf(allAllocations().values());
    }
}
