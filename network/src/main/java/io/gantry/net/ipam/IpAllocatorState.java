package io.gantry.net.ipam;

import java.util.List;

/** The persisted form of an {@link IpAllocator}; {@code last} is the last address handed out (may be null). */
public record IpAllocatorState(String subnet, List<IpLease> leases, String last) {
    public IpAllocatorState {
        leases = leases == null ? List.of() : List.copyOf(leases);
    }
}
