package io.gantry.agent.net;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.gantry.net.NetworkException;
import io.gantry.net.dns.BuiltinDns;
import io.gantry.net.dns.DnsMember;
import io.gantry.net.dns.NameView;
import io.gantry.net.files.ExtraHost;
import io.gantry.net.files.HostsFile;
import io.gantry.net.files.ResolvConf;
import io.gantry.net.host.Attachment;
import io.gantry.net.host.BridgeNetwork;
import io.gantry.net.host.HostCommands;
import io.gantry.net.host.HostNetworkCleaner;
import io.gantry.net.host.NetNames;
import io.gantry.net.host.NodeNetwork;
import io.gantry.net.host.OverlayPeer;
import io.gantry.net.ipam.Cidr;
import io.gantry.net.ipam.IpAllocator;
import io.gantry.net.ports.HostPortChooser;
import io.gantry.net.ports.PortMapping;
import io.gantry.net.ports.Protocol;
import io.gantry.proto.Assignment;
import io.gantry.proto.Assignments;
import io.gantry.proto.NetworkEndpoint;
import io.gantry.proto.NetworkMember;
import io.gantry.proto.NetworkView;
import io.gantry.proto.WorkloadSpec;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's container networking, driven by what the scheduler sends: the node bridge for the subnet in
 * {@code Registered}; per {@code NetworkView} the overlay's bridge and VXLAN device, forwarding entries for
 * the members on other nodes and the built-in DNS's names; per container a named namespace, one veth per
 * network, published ports, and its /etc/hosts and /etc/resolv.conf. Everything is found again by name
 * ({@link NetNames}) and per-container state files, so an agent restart keeps running containers' networking.
 * All methods are synchronized: the host commands they run are not meant to interleave.
 */
public final class AgentNetworking implements ContainerNetworks, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AgentNetworking.class);
    private static final Duration UPSTREAM_TIMEOUT = Duration.ofSeconds(2);
    private static final List<String> RESOLV_OPTIONS = List.of("ndots:0");
    private static final String OWNER_MARK = "networks-made";

    private final NetworkOptions options;
    private final NodeNetwork node;
    private final ObjectMapper json = new ObjectMapper();
    private final HostPortChooser portChooser = HostPortChooser.defaults();
    private final Map<String, ContainerNet> containers = new HashMap<>();
    /** Overlay networks set up here, by network id. */
    private final Map<String, BridgeNetwork> overlays = new LinkedHashMap<>();
    private BuiltinDns dns;
    private BridgeNetwork nodeBridge;
    private IpAllocator bridgeIps;
    private Inet4Address underlay;
    private int underlayMtu = BridgeNetwork.DEFAULT_MTU;

    public AgentNetworking(NetworkOptions options) {
        this.options = options;
        HostCommands commands = options.nodeNetns() == null ? HostCommands.local() : HostCommands.in(options.nodeNetns());
        this.node = options.enabled() ? new NodeNetwork(commands, new NetNames(options.nodeTag()), options.stateDir()) : null;
    }

    public boolean enabled() {
        return options.enabled();
    }

    public NodeNetwork nodeNetwork() {
        return node;
    }

    // ------------------------------------------------------------------ scheduler messages

    /**
     * The scheduler gave this node its bridge subnet: make the node bridge (with outbound NAT).
     * {@code advertise} is the agent's advertised address; its host part is the VXLAN underlay address.
     */
    public synchronized void onRegistered(String nodeSubnet, String advertise) {
        if (!options.enabled()) {
            return;
        }
        underlay = underlayOf(advertise);
        try {
            underlayMtu = Math.min(BridgeNetwork.DEFAULT_MTU, node.mtuOfDeviceWith(underlay));
        } catch (NetworkException e) {
            underlayMtu = BridgeNetwork.DEFAULT_MTU; // e.g. an address not on any device here: the usual Ethernet MTU
        }
        if (nodeSubnet == null || nodeSubnet.isEmpty()) {
            return;
        }
        Cidr subnet = Cidr.parse(nodeSubnet);
        BridgeNetwork bridge = BridgeNetwork.nodeBridge(subnet, underlayMtu);
        markOwner();
        node.ensureNetwork(bridge, underlay);
        if (!bridge.equals(nodeBridge)) {
            nodeBridge = bridge;
            bridgeIps = new IpAllocator(subnet);
            for (ContainerNet c : containers.values()) {
                String ip = c.bridgeIp();
                if (!ip.isEmpty() && subnet.contains(Cidr.Ipv4.parse(ip))) {
                    bridgeIps.reserve(c.id(), Cidr.Ipv4.inet(ip));
                }
            }
        }
        serveDns(NetworkView.getDefaultInstance().getNetwork(), ContainerNet.BRIDGE_ID, bridge);
    }

    /**
     * The desired set: first every overlay network in it (bridge, VXLAN, forwarding entries for the members
     * on other nodes, DNS names), then connect/disconnect of running containers whose endpoints changed,
     * then networks without a member here any more go.
     */
    public synchronized void onAssignments(Assignments assignments) {
        if (!options.enabled()) {
            return;
        }
        Map<String, BridgeNetwork> wanted = new LinkedHashMap<>();
        for (NetworkView view : assignments.getNetworksList()) {
            var n = view.getNetwork();
            try {
                BridgeNetwork b = BridgeNetwork.overlay(n.getName(), n.getVni(), Cidr.parse(n.getSubnet()), n.getInternal(), underlayMtu);
                if (!b.equals(overlays.get(n.getId()))) {
                    node.ensureNetwork(b, requireUnderlay());
                    overlays.put(n.getId(), b);
                }
                wanted.put(n.getId(), b);
                node.syncPeers(b, underlay, peersOf(view));
                NameView names = serveDns(n, n.getId(), b);
                if (names != null) {
                    names.replaceAll(view.getMembersList().stream().map(AgentNetworking::dnsMember).flatMap(Optional::stream).toList());
                }
            } catch (RuntimeException e) {
                log.warn("network {}: cannot set it up on this node: {}", n.getName(), e.getMessage());
            }
        }
        for (Assignment a : assignments.getAssignmentsList()) {
            ContainerNet c = containers.get(a.getWorkloadId());
            if (c != null && c.mode() == Mode.ATTACHED) {
                try {
                    syncEndpoints(c, a);
                } catch (RuntimeException e) {
                    log.warn("container {}: changing its networks failed: {}", c.id(), e.getMessage());
                }
            }
        }
        for (var it = overlays.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!wanted.containsKey(e.getKey()) && containers.values().stream().noneMatch(c -> usesNetwork(c, e.getKey()))) {
                stopDns(e.getKey());
                node.removeNetwork(e.getValue());
                it.remove();
            }
        }
        if (nodeBridge != null) {
            // Networks of an earlier run that nobody here needs any more. Only an agent with a node subnet owns
            // its namespace's Gantry links: one without (a test against a fake scheduler) must not touch them.
            List<BridgeNetwork> live = new ArrayList<>(overlays.values());
            live.add(nodeBridge);
            node.pruneNetworks(live);
        }
    }

    private static boolean usesNetwork(ContainerNet c, String networkId) {
        return c.interfaces().stream().anyMatch(i -> i.networkId().equals(networkId));
    }

    private Inet4Address requireUnderlay() {
        if (underlay == null) {
            throw new NetworkException("the node's underlay address is not known yet (not registered)");
        }
        return underlay;
    }

    private static List<OverlayPeer> peersOf(NetworkView view) {
        List<OverlayPeer> peers = new ArrayList<>();
        for (NetworkMember m : view.getMembersList()) {
            if (m.getNodeAddress().isEmpty() || m.getIp().isEmpty()) {
                continue;
            }
            try {
                peers.add(new OverlayPeer(Cidr.Ipv4.inet(m.getIp()), underlayOf(m.getNodeAddress())));
            } catch (RuntimeException bad) {
                log.warn("network {}: skipping member {}: {}", view.getNetwork().getName(), m.getName(), bad.getMessage());
            }
        }
        return peers;
    }

    private static Optional<DnsMember> dnsMember(NetworkMember m) {
        if (m.getIp().isEmpty()) {
            return Optional.empty();
        }
        Set<String> names = new HashSet<>(m.getAliasesList());
        if (!m.getName().isEmpty()) {
            names.add(m.getName());
        }
        Set<String> services = m.getService().isEmpty() ? Set.of() : Set.of(m.getService());
        return Optional.of(new DnsMember(m.getWorkloadId(), Cidr.Ipv4.inet(m.getIp()), names, services, m.getHealthy()));
    }

    // ------------------------------------------------------------------ containers

    @Override
    public synchronized Prepared prepare(String id, Assignment a, String hostname) {
        if (!options.enabled()) {
            return Prepared.UNCHANGED;
        }
        WorkloadSpec s = a.getSpec();
        String mode = s.getNetworkMode();
        List<ExtraHost> extra = s.getExtraHostsList().stream().map(ExtraHost::parse).toList();
        if (mode.equals("host") || mode.equals("none")) {
            Mode m = mode.equals("host") ? Mode.HOST : Mode.NONE;
            ContainerNet c = new ContainerNet(id, m, hostname, List.of(), List.of(), s.getDnsList(), s.getExtraHostsList());
            save(c);
            return prepared(c);
        }
        boolean onBridge = mode.equals("bridge") || (mode.isEmpty() && s.getNetworksCount() == 0);
        if (onBridge && nodeBridge == null) {
            if (a.getEndpointsCount() == 0 && s.getPortsCount() == 0) {
                return Prepared.UNCHANGED; // no subnet from the scheduler (an old one, or a test): runc's loopback-only namespace
            }
            throw new NetworkException("this node has no bridge network: the scheduler sent no subnet for it");
        }
        long t0 = System.nanoTime();
        try {
            node.createNamespace(id);
            List<ContainerNet.Iface> ifaces = new ArrayList<>();
            boolean route = false;
            if (onBridge) {
                Inet4Address ip = bridgeIps.addressOf(id).orElseGet(() -> bridgeIps.allocate(id));
                ifaces.add(new ContainerNet.Iface(0, ContainerNet.BRIDGE_ID, "bridge", ip.getHostAddress(), true));
                route = true;
            }
            for (NetworkEndpoint e : a.getEndpointsList()) {
                BridgeNetwork b = overlayOf(e);
                boolean dr = !route && !b.internal();
                route |= dr;
                ifaces.add(new ContainerNet.Iface(ifaces.size(), e.getNetworkId(), e.getNetwork(), e.getIp(), dr));
            }
            for (ContainerNet.Iface i : ifaces) {
                node.attach(new Attachment(id, i.index(), networkOf(i), Cidr.Ipv4.inet(i.ip()), i.defaultRoute()));
            }
            ContainerNet c = new ContainerNet(id, Mode.ATTACHED, hostname, ifaces, List.of(), s.getDnsList(), s.getExtraHostsList());
            c = c.withPorts(publish(c, requestedPorts(s)));
            save(c);
            log.info("container {}: network set up in {} ms: {}", id, (System.nanoTime() - t0) / 1_000_000,
                    ifaces.stream().map(i -> i.network() + "=" + i.ip()).toList());
            return prepared(c);
        } catch (RuntimeException e) {
            try {
                release(id);
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private BridgeNetwork overlayOf(NetworkEndpoint e) {
        BridgeNetwork b = overlays.get(e.getNetworkId());
        if (b == null) {
            throw new NetworkException("network " + e.getNetwork() + " is not set up on this node (no view of it from the scheduler yet)");
        }
        return b;
    }

    private BridgeNetwork networkOf(ContainerNet.Iface i) {
        BridgeNetwork b = i.networkId().equals(ContainerNet.BRIDGE_ID) ? nodeBridge : overlays.get(i.networkId());
        if (b == null) {
            throw new NetworkException("network " + i.network() + " is not set up on this node");
        }
        return b;
    }

    private static List<PortMapping> requestedPorts(WorkloadSpec s) {
        List<PortMapping> out = new ArrayList<>();
        for (var p : s.getPortsList()) {
            String proto = p.getProtocol().isEmpty() ? "tcp" : p.getProtocol();
            out.add(new PortMapping(p.getHostIp().isEmpty() ? null : p.getHostIp(), p.getHostPort(), p.getContainerPort(),
                    Protocol.parse(proto, proto)));
        }
        return out;
    }

    /** Publishes on the container's first interface, choosing free host ports for {@code -p PORT}. */
    private List<ContainerNet.Port> publish(ContainerNet c, List<PortMapping> wanted) {
        if (wanted.isEmpty() || c.interfaces().isEmpty()) {
            return List.of();
        }
        List<PortMapping> used = new ArrayList<>();
        for (ContainerNet other : containers.values()) {
            if (!other.id().equals(c.id())) {
                other.ports().forEach(p -> used.add(mapping(p)));
            }
        }
        List<PortMapping> chosen = portChooser.choose(wanted, used);
        ContainerNet.Iface first = c.interfaces().getFirst();
        node.publish(c.id(), Cidr.Ipv4.inet(first.ip()), networkOf(first), chosen);
        return chosen.stream().map(p -> new ContainerNet.Port(p.hostIp(), p.hostPort(), p.containerPort(), p.protocol().lower())).toList();
    }

    private static PortMapping mapping(ContainerNet.Port p) {
        return new PortMapping(p.hostIp(), p.hostPort(), p.containerPort(), Protocol.parse(p.protocol(), p.protocol()));
    }

    /** Connect/disconnect of a container that has its network already: attach or detach the difference. */
    private void syncEndpoints(ContainerNet c, Assignment a) {
        long t0 = System.nanoTime();
        Map<String, NetworkEndpoint> want = new LinkedHashMap<>();
        a.getEndpointsList().forEach(e -> want.put(e.getNetworkId(), e));
        List<ContainerNet.Iface> keep = new ArrayList<>();
        boolean lostRoute = false;
        boolean changed = false;
        for (ContainerNet.Iface i : c.interfaces()) {
            if (i.networkId().equals(ContainerNet.BRIDGE_ID) || want.containsKey(i.networkId())) {
                keep.add(i);
            } else {
                node.detach(c.id(), i.index());
                lostRoute |= i.defaultRoute();
                changed = true;
            }
        }
        Set<String> have = new HashSet<>();
        keep.forEach(i -> have.add(i.networkId()));
        boolean route = keep.stream().anyMatch(ContainerNet.Iface::defaultRoute);
        for (NetworkEndpoint e : want.values()) {
            if (have.contains(e.getNetworkId())) {
                continue;
            }
            BridgeNetwork b = overlayOf(e);
            Set<Integer> taken = new HashSet<>();
            keep.forEach(i -> taken.add(i.index()));
            int index = 0;
            while (taken.contains(index)) {
                index++;
            }
            boolean dr = !route && !b.internal();
            route |= dr;
            ContainerNet.Iface i = new ContainerNet.Iface(index, e.getNetworkId(), e.getNetwork(), e.getIp(), dr);
            node.attach(new Attachment(c.id(), index, b, Cidr.Ipv4.inet(e.getIp()), dr));
            keep.add(i);
            changed = true;
        }
        if (!changed) {
            return;
        }
        if (lostRoute && !route) {
            // The interface with the default route went: the next one that may carry it takes it over.
            for (int k = 0; k < keep.size(); k++) {
                ContainerNet.Iface i = keep.get(k);
                BridgeNetwork b = networkOf(i);
                if (!b.internal()) {
                    ContainerNet.Iface withRoute = new ContainerNet.Iface(i.index(), i.networkId(), i.network(), i.ip(), true);
                    node.attach(new Attachment(c.id(), i.index(), b, Cidr.Ipv4.inet(i.ip()), true));
                    keep.set(k, withRoute);
                    break;
                }
            }
        }
        keep.sort(java.util.Comparator.comparingInt(ContainerNet.Iface::index));
        ContainerNet updated = c.withInterfaces(keep);
        if (!c.ports().isEmpty() && (keep.isEmpty() || !keep.getFirst().equals(c.interfaces().getFirst()))) {
            node.unpublish(c.id()); // the interface the ports went to changed
            updated = updated.withPorts(List.of());
            updated = updated.withPorts(publish(updated, c.ports().stream().map(AgentNetworking::mapping).toList()));
        }
        save(updated);
        writeFiles(updated);
        log.info("container {}: networks changed in {} ms, now {}", c.id(), (System.nanoTime() - t0) / 1_000_000,
                keep.stream().map(ContainerNet.Iface::network).toList());
    }

    @Override
    public synchronized Optional<Prepared> current(String id) {
        if (!options.enabled()) {
            return Optional.empty();
        }
        ContainerNet c = containers.get(id);
        if (c == null) {
            // The runtime recovers its containers before recover(live) runs: read the state file it left
            Path state = dirOf(id).resolve("state.json");
            if (Files.exists(state)) {
                try {
                    c = json.readValue(state.toFile(), ContainerNet.class);
                    containers.put(id, c);
                } catch (IOException unreadable) {
                    log.warn("container {}: cannot read its network state: {}", id, unreadable.getMessage());
                }
            }
        }
        return c == null ? Optional.empty() : Optional.of(prepared(c));
    }

    @Override
    public synchronized void release(String id) {
        if (!options.enabled()) {
            return;
        }
        ContainerNet c = containers.remove(id);
        if (c != null || node.namespaceExists(id)) {
            node.removeContainer(id);
        }
        if (bridgeIps != null) {
            bridgeIps.release(id);
        }
        try {
            deleteTree(dirOf(id));
        } catch (IOException e) {
            log.warn("container {}: cannot delete its network files: {}", id, e.getMessage());
        }
    }

    /**
     * After an agent restart, before anything else: takes back the state of the containers still here and
     * removes the namespaces, veths and port rules of every other container of this node.
     */
    public synchronized void recover(Collection<String> liveContainers) {
        if (!options.enabled()) {
            return;
        }
        Set<String> live = new HashSet<>(liveContainers);
        Path dir = options.stateDir().resolve("containers");
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                for (Path d : s.toList()) {
                    String id = d.getFileName().toString();
                    if (!live.contains(id)) {
                        deleteTree(d);
                        continue;
                    }
                    try {
                        containers.put(id, json.readValue(d.resolve("state.json").toFile(), ContainerNet.class));
                    } catch (IOException unreadable) {
                        log.warn("container {}: cannot read its network state: {}", id, unreadable.getMessage());
                    }
                }
            } catch (IOException e) {
                log.warn("cannot scan {}: {}", dir, e.getMessage());
            }
        }
        List<String> pruned = node.pruneContainers(live);
        if (!pruned.isEmpty()) {
            log.info("removed the networking of {} container(s) no longer here", pruned.size());
        }
    }

    /**
     * Removes everything of this node's networking (namespaces, links, rules, restored sysctls, files):
     * for `gantry dev`'s shutdown and {@code removeAllContainers}, after the containers are gone.
     */
    public synchronized void removeAll() {
        if (!options.enabled()) {
            return;
        }
        closeDns();
        if (options.nodeNetns() != null && !Files.exists(options.nodeNetns())) {
            // The node's namespace is gone (and its links and rules with it): only container namespaces can be left.
            for (String c : node.containersWithNamespace()) {
                HostCommands.local().tryRun("ip", "netns", "del", node.names().netnsName(c));
            }
        } else {
            for (String c : node.containersWithNamespace()) {
                node.removeContainer(c);
            }
            // Bridges, VXLAN devices, chains and sysctls only if this agent (or its earlier run) made networks:
            // an agent that never had a subnet must not clean up after another one in the same namespace.
            if (nodeBridge != null || !overlays.isEmpty() || Files.exists(options.stateDir().resolve(OWNER_MARK))) {
                new HostNetworkCleaner(node).cleanAll();
            }
        }
        containers.clear();
        overlays.clear();
        nodeBridge = null;
        bridgeIps = null;
        try {
            deleteTree(options.stateDir());
        } catch (IOException e) {
            log.warn("cannot delete {}: {}", options.stateDir(), e.getMessage());
        }
    }

    /** Stops the DNS server; links, namespaces and rules stay (containers keep running). */
    @Override
    public synchronized void close() {
        closeDns();
        if (options.enabled()) {
            for (Path p : List.of(options.stateDir().resolve("containers"), options.stateDir())) {
                try {
                    Files.deleteIfExists(p); // only when empty: nothing left to keep for a restart
                } catch (IOException notEmpty) {
                    // still owns something
                }
            }
        }
    }

    /** This state dir's agent made networks in its namespace: a later removeAll (also from another process) cleans them. */
    private void markOwner() {
        try {
            Files.createDirectories(options.stateDir());
            Files.writeString(options.stateDir().resolve(OWNER_MARK), "this agent made Gantry networks in its namespace\n");
        } catch (IOException e) {
            throw new NetworkException("cannot write " + options.stateDir().resolve(OWNER_MARK) + ": " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ files

    private Prepared prepared(ContainerNet c) {
        Path dir = dirOf(c.id());
        List<io.gantry.proto.PortMapping> ports = c.ports().stream().map(p -> io.gantry.proto.PortMapping.newBuilder()
                .setHostIp(p.hostIp() == null ? "" : p.hostIp()).setHostPort(p.hostPort()).setContainerPort(p.containerPort())
                .setProtocol(p.protocol()).build()).toList();
        Path netns = c.mode() == Mode.ATTACHED ? node.names().netnsPath(c.id()) : null;
        return new Prepared(c.mode(), netns, dir.resolve("hosts"), dir.resolve("resolv.conf"), ports, c.bridgeIp());
    }

    private void save(ContainerNet c) {
        try {
            Files.createDirectories(dirOf(c.id()));
            json.writeValue(dirOf(c.id()).resolve("state.json").toFile(), c);
        } catch (IOException e) {
            throw new NetworkException("cannot write the network state of " + c.id() + ": " + e.getMessage(), e);
        }
        containers.put(c.id(), c);
        writeFiles(c);
    }

    /** Rewritten in place (same inode), so a running container sees a connect/disconnect through its bind mounts. */
    private void writeFiles(ContainerNet c) {
        List<Inet4Address> addresses = c.interfaces().stream().map(i -> Cidr.Ipv4.inet(i.ip())).toList();
        List<ExtraHost> extra = c.extraHosts().stream().map(ExtraHost::parse).toList();
        String hosts = HostsFile.render(c.hostname(), addresses, extra);
        String resolv = ResolvConf.render(c.dns(), nameservers(c), List.of(), RESOLV_OPTIONS);
        try {
            Path dir = Files.createDirectories(dirOf(c.id()));
            Files.writeString(dir.resolve("hosts"), hosts);
            Files.writeString(dir.resolve("resolv.conf"), resolv);
        } catch (IOException e) {
            throw new NetworkException("cannot write /etc/hosts and /etc/resolv.conf of " + c.id() + ": " + e.getMessage(), e);
        }
    }

    /** Overlay gateways first (their DNS knows the cluster's names), then the node bridge's; host mode: the host's servers. */
    private List<String> nameservers(ContainerNet c) {
        if (c.mode() == Mode.HOST) {
            return options.dnsUpstreams().stream().filter(u -> u.getPort() == BuiltinDns.DNS_PORT)
                    .map(u -> u.getAddress().getHostAddress()).toList();
        }
        List<String> out = new ArrayList<>();
        c.interfaces().stream().filter(i -> !i.networkId().equals(ContainerNet.BRIDGE_ID)).forEach(i -> addGateway(out, i));
        c.interfaces().stream().filter(i -> i.networkId().equals(ContainerNet.BRIDGE_ID)).forEach(i -> addGateway(out, i));
        return out;
    }

    private void addGateway(List<String> out, ContainerNet.Iface i) {
        String key = i.networkId();
        BridgeNetwork b = key.equals(ContainerNet.BRIDGE_ID) ? nodeBridge : overlays.get(key);
        if (b != null && dns != null && dns.view(key).isPresent()) {
            out.add(b.gateway().getHostAddress());
        }
    }

    private Path dirOf(String id) {
        node.names().netnsName(id); // checks the id
        return options.stateDir().resolve("containers").resolve(id);
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        }
    }

    // ------------------------------------------------------------------ DNS

    /** Answers on the network's gateway; null when it cannot (the containers then get no nameserver for it). */
    private NameView serveDns(io.gantry.proto.Network n, String key, BridgeNetwork b) {
        try {
            if (dns == null) {
                dns = new BuiltinDns(options.dnsUpstreams(), UPSTREAM_TIMEOUT, options.dnsPort(), System.nanoTime());
            }
            return dns.serve(key, b.gateway(), options.nodeNetns());
        } catch (RuntimeException e) {
            log.warn("network {}: no built-in DNS on {}: {}", n.getName().isEmpty() ? key : n.getName(), b.gateway().getHostAddress(),
                    e.getMessage());
            return null;
        }
    }

    private void stopDns(String key) {
        if (dns != null) {
            dns.stop(key);
        }
    }

    private void closeDns() {
        if (dns != null) {
            dns.close();
            dns = null;
        }
    }

    /** The host part of an advertised address ("10.77.0.31", "10.77.0.31:7071", "node.example"). */
    static Inet4Address underlayOf(String address) {
        String host = address == null || address.isEmpty() ? "127.0.0.1" : address;
        int colon = host.lastIndexOf(':');
        if (colon > 0 && host.indexOf(':') == colon) {
            host = host.substring(0, colon);
        }
        try {
            if (InetAddress.getByName(host) instanceof Inet4Address v4) {
                return v4;
            }
        } catch (IOException e) {
            // below
        }
        throw new NetworkException("the node's address '" + address + "' is not an IPv4 address: overlay networks need one");
    }
}
