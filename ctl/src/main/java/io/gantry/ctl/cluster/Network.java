package io.gantry.ctl.cluster;

import java.util.ArrayList;
import java.util.List;

/**
 * The local cluster's network, made with iproute2: a bridge with the host's address, and per
 * member a network namespace whose veth ends in the bridge. Nothing is routed or NATed
 * beyond the bridge, so cluster traffic never leaves 10.77.0.0/24.
 */
final class Network {
    private Network() {
    }

    static boolean bridgeExists() {
        return Exec.run(List.of("ip", "link", "show", "dev", AddressPlan.BRIDGE)).ok();
    }

    static void createBridge() {
        Exec.check(List.of("ip", "link", "add", AddressPlan.BRIDGE, "type", "bridge"));
        Exec.check(List.of("ip", "addr", "add", AddressPlan.BRIDGE_ADDRESS + "/" + AddressPlan.PREFIX_LENGTH, "dev", AddressPlan.BRIDGE));
        Exec.check(List.of("ip", "link", "set", AddressPlan.BRIDGE, "up"));
    }

    /** The namespace, its veth pair (eth0 inside), address and loopback; reachable: the bridge's /24 only. */
    static void createHost(Member m) {
        String ns = m.netns();
        Exec.check(List.of("ip", "netns", "add", ns));
        Exec.check(List.of("ip", "link", "add", m.hostVeth(), "type", "veth", "peer", "name", "eth0", "netns", ns));
        Exec.check(List.of("ip", "link", "set", m.hostVeth(), "master", AddressPlan.BRIDGE, "up"));
        Exec.check(List.of("ip", "-n", ns, "addr", "add", m.address() + "/" + AddressPlan.PREFIX_LENGTH, "dev", "eth0"));
        Exec.check(List.of("ip", "-n", ns, "link", "set", "lo", "up"));
        Exec.check(List.of("ip", "-n", ns, "link", "set", "eth0", "up"));
        // No default route on purpose: this host forwards IP, so one would let a namespace's
        // traffic (a DNS lookup for a reverse name, say) leave the machine un-NATed, and wait
        // for answers that never come. With only the bridge's /24 such a send fails at once.
    }

    /** The command prefix that runs a program in {@code m}'s network namespace (and only that one). */
    static List<String> enter(Member m) {
        // Not `ip netns exec`: it also unshares the mount namespace and mounts a fresh /sys,
        // which hides /sys/fs/cgroup from runc and keeps the agent's overlay mounts out of
        // the host's view (so `down` could not unmount them).
        return List.of("nsenter", "--net=/run/netns/" + m.netns());
    }

    /** Every namespace and link of a local cluster, whatever its size: for an idempotent down. */
    static List<String> leftovers() {
        return leftovers(java.util.Set.of());
    }

    /** agentnet: also the container namespaces of agents with these node tags. */
    static List<String> leftovers(java.util.Set<String> agentTags) {
        List<String> found = new ArrayList<>();
        for (String ns : namespaces()) {
            found.add("netns " + ns);
        }
        // agentnet: container namespaces of the agents (gnt-node<K>-<id>). Their links (gnt*) and GANTRY-*
        // chains live inside the node namespaces above, so they are gone with them; see containerNamespaces().
        for (String ns : containerNamespaces(agentTags)) {
            found.add("netns " + ns);
        }
        for (String link : links()) {
            found.add("link " + link);
        }
        return found;
    }

    static void removeAll() {
        removeAll(java.util.Set.of());
    }

    static void removeAll(java.util.Set<String> agentTags) {
        for (String ns : containerNamespaces(agentTags)) { // agentnet: what an agent killed with -9 left
            Exec.run(List.of("ip", "netns", "del", ns));
        }
        for (String ns : namespaces()) {
            Exec.run(List.of("ip", "netns", "del", ns)); // takes its end of the veth with it
        }
        for (String link : links()) {
            Exec.run(List.of("ip", "link", "del", link));
        }
    }

    static List<String> namespaces() {
        List<String> out = new ArrayList<>();
        for (String line : Exec.run(List.of("ip", "netns", "list")).out().split("\n")) {
            String name = line.strip().split("\\s+")[0];
            if (name.startsWith(AddressPlan.PREFIX + "-")) {
                out.add(name);
            }
        }
        return out;
    }

    /** agentnet: the container namespaces ({@code gnt-<tag>-<container>}) of agents with these node tags. */
    static List<String> containerNamespaces(java.util.Set<String> agentTags) {
        List<String> out = new ArrayList<>();
        for (String line : Exec.run(List.of("ip", "netns", "list")).out().split("\n")) {
            String name = line.strip().split("\\s+")[0];
            int dash = name.indexOf('-', 4);
            if (name.startsWith("gnt-") && dash > 4 && agentTags.contains(name.substring(4, dash))) {
                out.add(name);
            }
        }
        return out;
    }

    static List<String> links() {
        List<String> out = new ArrayList<>();
        for (String line : Exec.run(List.of("ip", "-o", "link", "show")).out().split("\n")) {
            String[] parts = line.split(":\\s+", 3);
            if (parts.length < 2) {
                continue;
            }
            String name = parts[1];
            int at = name.indexOf('@');
            if (at >= 0) {
                name = name.substring(0, at);
            }
            if (name.startsWith(AddressPlan.PREFIX)) {
                out.add(name);
            }
        }
        // the bridge last: its ports first
        out.sort((a, b) -> Boolean.compare(a.equals(AddressPlan.BRIDGE), b.equals(AddressPlan.BRIDGE)));
        return out;
    }
}
