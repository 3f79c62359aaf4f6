package io.gantry.net.ipam;

import java.util.List;

/** The persisted form of a {@link SubnetPool}: the pool, the subnet size it hands out, and its leases. */
public record SubnetPoolState(String pool, int subnetPrefix, List<SubnetLease> leases) {
    public SubnetPoolState {
        leases = leases == null ? List.of() : List.copyOf(leases);
    }
}
