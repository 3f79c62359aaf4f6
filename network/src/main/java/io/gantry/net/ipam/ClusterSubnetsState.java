package io.gantry.net.ipam;

import java.util.List;

/** The persisted form of {@link ClusterSubnets}: both pools and the user-chosen subnets (owner = network name). */
public record ClusterSubnetsState(SubnetPoolState nodePool, SubnetPoolState networkPool, List<SubnetLease> userSubnets) {
    public ClusterSubnetsState {
        userSubnets = userSubnets == null ? List.of() : List.copyOf(userSubnets);
    }
}
