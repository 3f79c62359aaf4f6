package io.gantry.ctl.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Who lives where on the local cluster's bridge {@code gantry-lc0} (10.77.0.1/24): pure data,
 * so that the plan can be checked without touching the network.
 */
public record AddressPlan(int zookeepers, int schedulers, int nodes) {
    public static final String PREFIX = "gantry-lc";
    public static final String BRIDGE = PREFIX + "0";
    static final String SUBNET_PREFIX = "10.77.0.";
    public static final String BRIDGE_ADDRESS = SUBNET_PREFIX + "1";
    public static final int PREFIX_LENGTH = 24;
    public static final int ZK_CLIENT_PORT = 2181;
    public static final int ZK_PEER_PORT = 2888;
    public static final int ZK_ELECTION_PORT = 3888;
    public static final int SCHEDULER_PORT = 7070;
    public static final int REGISTRY_PORT = 5000;
    public static final int MAX_ZOOKEEPERS = 9;
    public static final int MAX_SCHEDULERS = 9;
    public static final int MAX_NODES = 150;

    public AddressPlan {
        check("--zk", zookeepers, MAX_ZOOKEEPERS);
        check("--schedulers", schedulers, MAX_SCHEDULERS);
        check("--nodes", nodes, MAX_NODES);
    }

    private static void check(String flag, int value, int max) {
        if (value < 1 || value > max) {
            throw new IllegalArgumentException("invalid argument \"" + value + "\" for \"" + flag + "\": expected 1.." + max);
        }
    }

    public List<Member> members(Role role) {
        int count = switch (role) {
            case ZOOKEEPER -> zookeepers;
            case SCHEDULER -> schedulers;
            case NODE -> nodes;
        };
        List<Member> out = new ArrayList<>(count);
        for (int i = 1; i <= count; i++) {
            out.add(new Member(role, i));
        }
        return out;
    }

    /** ZooKeeper first, then schedulers, then nodes: the order they start in. */
    public List<Member> all() {
        List<Member> out = new ArrayList<>(members(Role.ZOOKEEPER));
        out.addAll(members(Role.SCHEDULER));
        out.addAll(members(Role.NODE));
        return out;
    }

    public boolean contains(Member m) {
        return members(m.role()).contains(m);
    }

    /** The ZooKeeper connect string, e.g. {@code 10.77.0.11:2181,10.77.0.12:2181,10.77.0.13:2181}. */
    public String zkConnectString() {
        return members(Role.ZOOKEEPER).stream().map(m -> m.address() + ":" + ZK_CLIENT_PORT).collect(Collectors.joining(","));
    }

    /** {@code gantry zookeeper --servers}: {@code host:peer:election} per server, in id order. */
    public String zkServers() {
        return members(Role.ZOOKEEPER).stream().map(m -> m.address() + ":" + ZK_PEER_PORT + ":" + ZK_ELECTION_PORT)
                .collect(Collectors.joining(","));
    }

    /** The GANTRY_ADDR value: every scheduler, comma-separated. */
    public String schedulerAddresses() {
        return members(Role.SCHEDULER).stream().map(m -> m.address() + ":" + SCHEDULER_PORT).collect(Collectors.joining(","));
    }

    public String registryAddress() {
        return BRIDGE_ADDRESS + ":" + REGISTRY_PORT;
    }
}
