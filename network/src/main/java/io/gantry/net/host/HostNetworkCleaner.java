package io.gantry.net.host;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Removes everything this module made on a node, found by name alone: the container
 * namespaces {@code gnt-<tag>-*}, every link matching {@link NetNames#OUR_LINK}, the GANTRY-*
 * iptables chains and the jumps into them, and journaled sysctl changes (restored).
 * Used by agent shutdown and by tests; {@link #leftovers()} says what would still be there.
 */
public final class HostNetworkCleaner {
    private final NodeNetwork network;

    public HostNetworkCleaner(NodeNetwork network) {
        this.network = network;
    }

    public void cleanAll() {
        for (String c : network.containersWithNamespace()) {
            network.commands().tryRun("ip", "netns", "del", network.names().netnsName(c));
        }
        // Veths first (their peers go too), then VXLAN devices, then bridges.
        List<String> links = ours();
        for (String prefix : List.of("gntv", "gntx", "gntb", "gnt0")) {
            for (String l : links) {
                if (l.startsWith(prefix)) {
                    network.deleteLink(l);
                }
            }
        }
        network.iptables().removeAll();
        network.sysctls().restoreAll();
    }

    /** What of Gantry's is still on the node: links, namespaces, chains, rules, journaled sysctls. */
    public List<String> leftovers() {
        List<String> out = new ArrayList<>();
        for (String l : ours()) {
            out.add("link " + l);
        }
        for (String c : network.containersWithNamespace()) {
            out.add("netns " + network.names().netnsName(c));
        }
        for (String table : List.of("filter", "nat")) {
            for (String r : network.iptables().gantryMentions(table)) {
                out.add("iptables -t " + table + " " + r);
            }
        }
        for (String s : network.sysctls().journaled()) {
            out.add("sysctl " + s);
        }
        return out;
    }

    private List<String> ours() {
        List<String> out = new ArrayList<>();
        for (String l : network.links()) {
            if (NetNames.OUR_LINK.matcher(l).matches()) {
                out.add(l);
            }
        }
        return out;
    }

    /** True if a path is a Gantry namespace of this node (helper for callers listing /run/netns). */
    public boolean isOurNamespace(Path p) {
        return Files.exists(p) && p.getFileName().toString().startsWith(network.names().netnsPrefix());
    }
}
