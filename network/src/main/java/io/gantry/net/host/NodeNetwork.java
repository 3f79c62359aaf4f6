package io.gantry.net.host;

import io.gantry.net.NetworkException;
import io.gantry.net.ports.PortMapping;

import java.net.Inet4Address;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The host side of container networking on one node. Every operation is idempotent and
 * finds existing state by name ({@link NetNames}), so a restarted agent simply calls the
 * same methods again to reconcile.
 * <p>
 * Order for a container: {@link #createNamespace} before the container starts (its path goes
 * into the OCI spec), then {@link #attach} per interface (also while running: connect), then
 * {@link #publish}; {@link #detach} disconnects one interface; {@link #removeContainer} undoes all.
 * Mutating methods are synchronized: iptables' check-then-append must not interleave.
 */
public final class NodeNetwork {
    private static final Pattern LINK_LINE = Pattern.compile("^\\d+:\\s+([^:@\\s]+)(?:@[^:\\s]+)?:.*?(?:\\smtu\\s(\\d+))?.*$");

    private final HostCommands node;
    private final NetNames names;
    private final Iptables iptables;
    private final Sysctls sysctls;

    /**
     * @param node     commands in the node's network namespace ({@link HostCommands#local()} for an agent)
     * @param stateDir where the original values of changed sysctls are journaled (e.g. /run/gantry/net/TAG)
     */
    public NodeNetwork(HostCommands node, NetNames names, Path stateDir) {
        this.node = node;
        this.names = names;
        this.iptables = new Iptables(node);
        this.sysctls = new Sysctls(node, stateDir.resolve("sysctl"));
    }

    public NetNames names() {
        return names;
    }

    public HostCommands commands() {
        return node;
    }

    public Iptables iptables() {
        return iptables;
    }

    // ------------------------------------------------------------------ networks

    /**
     * Creates (or checks) the network's bridge with the gateway address, its forwarding and NAT
     * rules, and for an overlay the VXLAN device (UDP 4789, no learning, ARP proxy) bound to
     * {@code underlayIp}.
     */
    public synchronized void ensureNetwork(BridgeNetwork net, Inet4Address underlayIp) {
        sysctls.set("net.ipv4.ip_forward", "1");
        iptables.ensureChains();
        if (!linkExists(net.bridge())) {
            node.run("ip", "link", "add", net.bridge(), "mtu", Integer.toString(net.mtu()), "type", "bridge");
        }
        String gw = net.gateway().getHostAddress() + "/" + net.subnet().prefix();
        if (!node.run("ip", "-o", "-4", "addr", "show", "dev", net.bridge()).contains(" " + gw + " ")) {
            node.run("ip", "addr", "replace", gw, "dev", net.bridge());
        }
        node.run("ip", "link", "set", net.bridge(), "up");
        // Published ports reached through 127.0.0.1: DNAT'ed loopback packets must be routable to the bridge.
        sysctls.setVolatile("net.ipv4.conf." + net.bridge() + ".route_localnet", "1");
        if (net.isOverlay()) {
            if (underlayIp == null) {
                throw new NetworkException("overlay network " + net.name() + " needs the node's underlay address");
            }
            String vx = net.vxlanDevice();
            if (!linkExists(vx)) {
                node.run("ip", "link", "add", vx, "mtu", Integer.toString(net.mtu()), "type", "vxlan", "id", Integer.toString(net.vni()),
                        "dstport", "4789", "local", underlayIp.getHostAddress(), "nolearning", "proxy");
            }
            node.run("ip", "link", "set", vx, "master", net.bridge(), "up");
        }
        ensureRules(net);
    }

    private void ensureRules(BridgeNetwork net) {
        String b = net.bridge();
        String c = net.ruleComment();
        List<List<String>> forward = new ArrayList<>();
        forward.add(List.of("-i", b, "-o", b, "-m", "comment", "--comment", c, "-j", "ACCEPT"));
        // Isolation: nothing from this network to any other Gantry network.
        forward.add(List.of("-i", b, "-o", NetNames.LINK_PREFIX + "+", "-m", "comment", "--comment", c, "-j", "DROP"));
        if (net.internal()) {
            forward.add(List.of("-i", b, "-m", "comment", "--comment", c, "-j", "DROP"));
        } else {
            forward.add(List.of("-i", b, "-m", "comment", "--comment", c, "-j", "ACCEPT"));
        }
        // Replies and published ports were accepted by the chain's head rules (see Iptables#ensureChains).
        forward.add(List.of("-o", b, "-m", "comment", "--comment", c, "-j", "DROP"));
        for (List<String> r : forward) {
            iptables.ensureRule("filter", Iptables.FORWARD, r);
        }
        for (String proto : List.of("udp", "tcp")) {
            iptables.ensureRule("filter", Iptables.INPUT, List.of("-i", b, "!", "-d", net.gateway().getHostAddress() + "/32", "-p", proto,
                    "-m", proto, "--dport", "53", "-m", "comment", "--comment", c, "-j", "DROP"));
        }
        if (!net.internal()) {
            String subnet = net.subnet().toString();
            iptables.ensureRule("nat", Iptables.POSTROUTING,
                    List.of("-s", subnet, "!", "-o", b, "-m", "comment", "--comment", c, "-j", "MASQUERADE"));
            // Loopback (127.0.0.1 -> DNAT -> container) and hairpin (container -> own published port):
            // the reply must come back through the host, so the source is rewritten to the gateway.
            iptables.ensureRule("nat", Iptables.POSTROUTING,
                    List.of("-o", b, "-m", "addrtype", "--src-type", "LOCAL", "-m", "comment", "--comment", c, "-j", "MASQUERADE"));
            iptables.ensureRule("nat", Iptables.POSTROUTING,
                    List.of("-s", subnet, "-o", b, "-m", "conntrack", "--ctstate", "DNAT", "-m", "comment", "--comment", c, "-j", "MASQUERADE"));
        }
    }

    /** Removes the network's bridge, VXLAN device and rules (its containers should be detached first). */
    public synchronized void removeNetwork(BridgeNetwork net) {
        if (net.isOverlay()) {
            deleteLink(net.vxlanDevice());
        }
        deleteLink(net.bridge());
        for (String table : List.of("filter", "nat")) {
            for (String chain : iptables.gantryChains(table)) {
                iptables.deleteByComment(table, chain, net.ruleComment());
            }
        }
    }

    /** MTU of the device holding {@code address} in the node's namespace (the underlay). */
    public int mtuOfDeviceWith(Inet4Address address) {
        String out = node.run("ip", "-o", "-4", "addr", "show");
        for (String line : out.split("\n")) {
            String[] t = line.strip().split("\\s+");
            if (t.length > 3 && t[3].startsWith(address.getHostAddress() + "/")) {
                String dev = t[1];
                String link = node.run("ip", "-o", "link", "show", "dev", dev);
                Matcher m = Pattern.compile("\\smtu\\s(\\d+)").matcher(link);
                if (m.find()) {
                    return Integer.parseInt(m.group(1));
                }
            }
        }
        throw new NetworkException("no device in the node's namespace has address " + address.getHostAddress());
    }

    // ------------------------------------------------------------------ containers

    /** Creates the container's named network namespace with loopback up; returns its path. */
    public synchronized Path createNamespace(String container) {
        String ns = names.netnsName(container);
        Path path = names.netnsPath(container);
        if (!Files.exists(path)) {
            node.run("ip", "netns", "add", ns);
        }
        node.run("ip", "-n", ns, "link", "set", "lo", "up");
        return path;
    }

    public boolean namespaceExists(String container) {
        return Files.exists(names.netnsPath(container));
    }

    /** Containers of this node that have a namespace (for reconciliation after a restart). */
    public List<String> containersWithNamespace() {
        List<String> out = new ArrayList<>();
        Path dir = Path.of(NetNames.NETNS_DIR);
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (n.startsWith(names.netnsPrefix())) {
                    out.add(n.substring(names.netnsPrefix().length()));
                }
            }
        } catch (java.io.IOException e) {
            throw new NetworkException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * Gives the container the interface {@code eth<index>} on the network: a veth pair (host end on
     * the bridge), the address, a MAC derived from it, and the default route if asked. Works on a
     * running container (connect); calling it again changes nothing.
     */
    public synchronized void attach(Attachment a) {
        String ns = names.netnsName(a.container());
        if (!Files.exists(names.netnsPath(a.container()))) {
            throw new NetworkException("container " + a.container() + " has no network namespace; create it first");
        }
        BridgeNetwork net = a.network();
        String hostVeth = a.hostVeth();
        String eth = a.interfaceName();
        String cidr = a.address().getHostAddress() + "/" + net.subnet().prefix();
        if (linkExists(hostVeth)) {
            HostCommands.Result inside = node.tryRun("ip", "-n", ns, "-o", "-4", "addr", "show", "dev", eth);
            boolean sameBridge = node.run("ip", "-o", "link", "show", "dev", hostVeth).contains(" master " + net.bridge() + " ");
            if (!inside.ok() || !inside.stdout().contains(" " + cidr + " ") || !sameBridge) {
                deleteLink(hostVeth);
            }
        }
        if (!linkExists(hostVeth)) {
            node.tryRun("ip", "-n", ns, "link", "del", eth); // a stale eth<index> left without its peer
            node.runWithInput(String.join("\n",
                    "link add " + hostVeth + " mtu " + net.mtu() + " type veth peer name " + eth + " mtu " + net.mtu() + " netns " + ns,
                    "link set " + hostVeth + " master " + net.bridge(),
                    "link set " + hostVeth + " type bridge_slave hairpin on",
                    "link set " + hostVeth + " up") + "\n", "ip", "-batch", "-");
        }
        StringBuilder inside = new StringBuilder();
        inside.append("link set lo up\n");
        inside.append("link set ").append(eth).append(" address ").append(a.mac()).append('\n');
        inside.append("addr replace ").append(cidr).append(" dev ").append(eth).append('\n');
        inside.append("link set ").append(eth).append(" up\n");
        if (a.defaultRoute() && !net.internal()) {
            inside.append("route replace default via ").append(net.gateway().getHostAddress()).append(" dev ").append(eth).append('\n');
        }
        node.runWithInput(inside.toString(), "ip", "-n", ns, "-batch", "-");
    }

    /** Removes {@code eth<index>} (disconnect); the container keeps running. */
    public synchronized void detach(String container, int index) {
        deleteLink(NetNames.hostVeth(container, index));
    }

    /** Host ends of the container's interfaces that exist now, by index. */
    public Map<Integer, String> interfacesOf(String container) {
        Map<Integer, String> out = new HashMap<>();
        java.util.Set<String> existing = new java.util.HashSet<>(links());
        for (int i = 0; i < 100; i++) {
            String v = NetNames.hostVeth(container, i);
            if (existing.contains(v)) {
                out.put(i, v);
            }
        }
        return out;
    }

    /** DNATs the host ports to the container's address (rules tagged with the container). */
    public synchronized void publish(String container, Inet4Address containerIp, BridgeNetwork net, Collection<PortMapping> ports) {
        if (net.internal()) {
            throw new NetworkException("cannot publish ports of a container on internal network " + net.name());
        }
        iptables.ensureChains();
        String c = NetNames.ruleComment(container);
        for (PortMapping p : ports) {
            if (!p.chosen()) {
                throw new NetworkException("port " + p.containerPort() + " has no host port chosen yet");
            }
            List<String> rule = new ArrayList<>(List.of("-p", p.protocol().lower()));
            if (p.hostIp() != null) {
                rule.addAll(List.of("-d", p.hostIp() + "/32"));
            }
            rule.addAll(List.of("-m", p.protocol().lower(), "--dport", Integer.toString(p.hostPort()), "-m", "comment", "--comment", c,
                    "-j", "DNAT", "--to-destination", containerIp.getHostAddress() + ":" + p.containerPort()));
            iptables.ensureRule("nat", Iptables.PORTS, rule);
        }
    }

    public synchronized void unpublish(String container) {
        iptables.deleteByComment("nat", Iptables.PORTS, NetNames.ruleComment(container));
    }

    /** Removes everything of the container: published ports, its veths and its namespace. */
    public synchronized void removeContainer(String container) {
        unpublish(container);
        for (String v : interfacesOf(container).values()) {
            deleteLink(v);
        }
        if (Files.exists(names.netnsPath(container))) {
            node.tryRun("ip", "netns", "del", names.netnsName(container));
        }
    }

    /**
     * After an agent restart: removes the namespaces, veths and port rules of containers of this
     * node that are not in {@code live}. Returns the removed container ids.
     */
    public synchronized List<String> pruneContainers(Collection<String> live) {
        List<String> removed = new ArrayList<>();
        for (String c : containersWithNamespace()) {
            if (!live.contains(c)) {
                removeContainer(c);
                removed.add(c);
            }
        }
        for (List<String> rule : iptables.rules("nat", Iptables.PORTS)) {
            int i = rule.indexOf("--comment");
            if (i >= 0 && i + 1 < rule.size() && rule.get(i + 1).startsWith("gantry:")) {
                String owner = rule.get(i + 1).substring("gantry:".length());
                if (!live.contains(owner)) {
                    unpublish(owner);
                }
            }
        }
        return removed;
    }

    /** After an agent restart: removes the bridges, VXLAN devices and rules of networks not in {@code live}. */
    public synchronized List<String> pruneNetworks(Collection<BridgeNetwork> live) {
        java.util.Set<String> keep = new java.util.HashSet<>();
        for (BridgeNetwork n : live) {
            keep.add(n.bridge());
            if (n.isOverlay()) {
                keep.add(n.vxlanDevice());
            }
        }
        List<String> removed = new ArrayList<>();
        for (String l : links()) {
            if ((l.startsWith("gntx") || l.startsWith("gntb") || l.equals(NetNames.NODE_BRIDGE)) && NetNames.OUR_LINK.matcher(l).matches()
                    && !keep.contains(l)) {
                deleteLink(l);
                removed.add(l);
                String comment = NetNames.ruleComment("net:" + l);
                for (String table : List.of("filter", "nat")) {
                    for (String chain : iptables.gantryChains(table)) {
                        iptables.deleteByComment(table, chain, comment);
                    }
                }
            }
        }
        return removed;
    }

    // ------------------------------------------------------------------ overlay forwarding

    /** What {@link #syncPeers} changed. */
    public record PeerDiff(List<OverlayPeer> added, List<String> removedMacs) {
    }

    /**
     * Programs the overlay's forwarding so that exactly the {@code desired} remote members are
     * reachable: a static FDB entry (MAC -> node underlay IP) and a neighbour entry (IP -> MAC,
     * for ARP suppression) per member. Only the difference to what exists is changed; members
     * on this node ({@code nodeIp} == {@code localUnderlay}) are skipped.
     */
    public synchronized PeerDiff syncPeers(BridgeNetwork overlay, Inet4Address localUnderlay, Collection<OverlayPeer> desired) {
        String vx = overlay.vxlanDevice();
        Map<String, OverlayPeer> want = new HashMap<>();
        for (OverlayPeer p : desired) {
            if (!p.nodeIp().equals(localUnderlay)) {
                want.put(p.mac(), p);
            }
        }
        Map<String, String> fdb = new HashMap<>(); // mac -> dst
        for (String line : node.run("bridge", "fdb", "show", "dev", vx).split("\n")) {
            String[] t = line.strip().split("\\s+");
            int dst = List.of(t).indexOf("dst");
            if (dst > 0 && dst + 1 < t.length && !t[0].equals("00:00:00:00:00:00")) {
                fdb.put(t[0], t[dst + 1]);
            }
        }
        Map<String, String> neigh = new HashMap<>(); // ip -> mac
        for (String line : node.run("ip", "-4", "neigh", "show", "dev", vx).split("\n")) {
            String[] t = line.strip().split("\\s+");
            int ll = List.of(t).indexOf("lladdr");
            if (ll > 0 && ll + 1 < t.length) {
                neigh.put(t[0], t[ll + 1]);
            }
        }
        StringBuilder bridgeCmds = new StringBuilder();
        StringBuilder ipCmds = new StringBuilder();
        List<String> removed = new ArrayList<>();
        for (Map.Entry<String, String> e : fdb.entrySet()) {
            OverlayPeer p = want.get(e.getKey());
            if (p == null || !p.nodeIp().getHostAddress().equals(e.getValue())) {
                bridgeCmds.append("fdb del ").append(e.getKey()).append(" dev ").append(vx).append(" dst ").append(e.getValue()).append(" self\n");
                if (p == null) {
                    removed.add(e.getKey());
                }
            }
        }
        for (Map.Entry<String, String> e : neigh.entrySet()) {
            OverlayPeer p = want.get(e.getValue());
            if (p == null || !p.address().getHostAddress().equals(e.getKey())) {
                ipCmds.append("neigh del ").append(e.getKey()).append(" dev ").append(vx).append('\n');
            }
        }
        List<OverlayPeer> added = new ArrayList<>();
        for (OverlayPeer p : want.values()) {
            String ip = p.address().getHostAddress();
            boolean fdbOk = p.nodeIp().getHostAddress().equals(fdb.get(p.mac()));
            boolean neighOk = p.mac().equals(neigh.get(ip));
            if (!fdbOk) {
                bridgeCmds.append("fdb append ").append(p.mac()).append(" dev ").append(vx).append(" dst ")
                        .append(p.nodeIp().getHostAddress()).append(" self permanent\n");
            }
            if (!neighOk) {
                ipCmds.append("neigh replace ").append(ip).append(" lladdr ").append(p.mac()).append(" dev ").append(vx)
                        .append(" nud permanent\n");
            }
            if (!fdbOk || !neighOk) {
                added.add(p);
            }
        }
        if (!bridgeCmds.isEmpty()) {
            node.runWithInput(bridgeCmds.toString(), "bridge", "-batch", "-");
        }
        if (!ipCmds.isEmpty()) {
            node.runWithInput(ipCmds.toString(), "ip", "-batch", "-");
        }
        return new PeerDiff(added, removed);
    }

    // ------------------------------------------------------------------ links

    public boolean linkExists(String name) {
        return node.tryRun("ip", "link", "show", "dev", name).ok();
    }

    /** Names of all links in the node's namespace. */
    public List<String> links() {
        List<String> out = new ArrayList<>();
        for (String line : node.run("ip", "-o", "link", "show").split("\n")) {
            Matcher m = LINK_LINE.matcher(line.strip());
            if (m.matches()) {
                out.add(m.group(1));
            }
        }
        return out;
    }

    void deleteLink(String name) {
        if (linkExists(name)) {
            node.tryRun("ip", "link", "del", "dev", name);
        }
    }

    Sysctls sysctls() {
        return sysctls;
    }
}
