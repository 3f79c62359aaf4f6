package io.gantry.ctl.cluster;

/**
 * One "host" of the local cluster: its own network namespace with a veth into the bridge
 * and one address. Pure naming and addressing, no I/O.
 *
 * @param index 1-based
 */
public record Member(Role role, int index) {
    public Member {
        if (index < 1) {
            throw new IllegalArgumentException("member index must be >= 1, got " + index);
        }
    }

    /** {@code zk-1}, {@code sched-2}, {@code node-3}: also the node name agents register with. */
    public String name() {
        return role.prefix() + "-" + index;
    }

    /** {@code gantry-lc-zk1}, {@code gantry-lc-sched2}, {@code gantry-lc-node3}. */
    public String netns() {
        return AddressPlan.PREFIX + "-" + role.prefix() + index;
    }

    /** The host side of its veth, e.g. {@code gantry-lc-n3} (interface names have at most 15 characters). */
    public String hostVeth() {
        return AddressPlan.PREFIX + "-" + role.vethTag() + index;
    }

    /** zk-k: 10.77.0.(10+k), sched-k: 10.77.0.(20+k), node-k: 10.77.0.(100+k). */
    public String address() {
        return AddressPlan.SUBNET_PREFIX + (role.addressBase() + index);
    }

    /** Parses {@code zk-1}, {@code sched-2}, {@code node-3}. */
    public static Member parse(String name) {
        for (Role r : Role.values()) {
            String p = r.prefix() + "-";
            if (name.startsWith(p) && name.length() > p.length() && name.substring(p.length()).chars().allMatch(Character::isDigit)
                    && name.length() - p.length() <= 4) {
                return new Member(r, Integer.parseInt(name.substring(p.length())));
            }
        }
        throw new IllegalArgumentException("unknown cluster member '" + name + "' (expected zk-N, sched-N or node-N)");
    }
}
