package io.gantry.net.ipam;

import io.gantry.net.NetworkException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Hands out fixed-size subnets (e.g. a /24) of a pool (e.g. 10.42.0.0/16), one per owner.
 * Allocation is idempotent per owner and takes the lowest free subnet that overlaps
 * neither a lease of this pool nor anything in {@code alsoTaken} (subnets of other pools,
 * user subnets). Not thread-safe: the scheduler owns one and serializes access.
 */
public final class SubnetPool {
    private final Cidr pool;
    private final int subnetPrefix;
    private final Map<String, Cidr> leases = new LinkedHashMap<>();

    public SubnetPool(Cidr pool, int subnetPrefix) {
        if (subnetPrefix < pool.prefix() || subnetPrefix > 30) {
            throw new NetworkException("bad pool: subnets of /" + subnetPrefix + " do not fit " + pool + " (need a prefix between /"
                    + pool.prefix() + " and /30)");
        }
        this.pool = pool;
        this.subnetPrefix = subnetPrefix;
    }

    public static SubnetPool parse(String pool, int subnetPrefix) {
        return new SubnetPool(Cidr.parse(pool), subnetPrefix);
    }

    public static SubnetPool restore(SubnetPoolState state) {
        SubnetPool p = parse(state.pool(), state.subnetPrefix());
        for (SubnetLease l : state.leases()) {
            p.leases.put(l.owner(), Cidr.parse(l.subnet()));
        }
        return p;
    }

    public SubnetPoolState state() {
        List<SubnetLease> out = new ArrayList<>();
        leases.forEach((owner, c) -> out.add(new SubnetLease(owner, c.toString())));
        return new SubnetPoolState(pool.toString(), subnetPrefix, out);
    }

    public Cidr pool() {
        return pool;
    }

    public Optional<Cidr> leaseOf(String owner) {
        return Optional.ofNullable(leases.get(owner));
    }

    public Map<String, Cidr> leases() {
        return Map.copyOf(leases);
    }

    /** The owner's subnet: the one it already has, else the lowest free one. */
    public Cidr allocate(String owner, Collection<Cidr> alsoTaken) {
        Cidr existing = leases.get(owner);
        if (existing != null) {
            return existing;
        }
        long step = 1L << (32 - subnetPrefix);
        long count = pool.size() / step;
        for (long i = 0; i < count; i++) {
            Cidr candidate = new Cidr((int) (pool.network() + i * step), subnetPrefix);
            if (free(candidate, alsoTaken)) {
                leases.put(owner, candidate);
                return candidate;
            }
        }
        throw new NetworkException("address pool " + pool + " is exhausted: all " + count + " /" + subnetPrefix
                + " subnets are in use");
    }

    /** Records a subnet chosen elsewhere (a user's --subnet inside this pool) for the owner. */
    void put(String owner, Cidr subnet) {
        leases.put(owner, subnet);
    }

    private boolean free(Cidr candidate, Collection<Cidr> alsoTaken) {
        for (Cidr c : leases.values()) {
            if (c.overlaps(candidate)) {
                return false;
            }
        }
        for (Cidr c : alsoTaken) {
            if (c.overlaps(candidate)) {
                return false;
            }
        }
        return true;
    }

    public boolean release(String owner) {
        return leases.remove(owner) != null;
    }
}
