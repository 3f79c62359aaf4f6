package io.gantry.scheduler.network;

import io.gantry.net.NetworkException;
import io.gantry.net.host.Macs;
import io.gantry.net.ipam.Cidr;
import io.gantry.net.ipam.ClusterSubnets;
import io.gantry.net.ipam.ClusterSubnetsState;
import io.gantry.net.ipam.IpAllocator;
import io.gantry.net.ipam.SubnetLease;
import io.gantry.net.ipam.SubnetPoolState;
import io.gantry.proto.CreateNetworkRequest;
import io.gantry.proto.Network;
import io.gantry.proto.NetworkEndpoint;
import io.gantry.proto.Node;
import io.gantry.proto.Workload;
import io.gantry.proto.WorkloadSpec;
import io.grpc.Status;
import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The cluster's networks and address management, in the leader's memory: overlay networks (subnet, VNI),
 * each node's bridge subnet, and every workload's overlay addresses. Nothing here is stored separately:
 * it is rebuilt at takeover from the stored networks, node records and workloads' endpoints, so it can
 * never disagree with them. Not thread-safe: the scheduler core calls it under its lock.
 */
public final class Networks {
    public static final Set<String> BUILTIN = Set.of("bridge", "host", "none");
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");
    /** VNIs below this are left to other VXLAN users on the same hosts. */
    private static final int FIRST_VNI = 4096;

    private final String nodePool;
    private final String networkPool;
    private final Map<String, Network> byId = new LinkedHashMap<>();
    private final Map<String, IpAllocator> addresses = new HashMap<>();
    private ClusterSubnets subnets;

    public Networks(String nodePool, String networkPool) {
        this.nodePool = nodePool;
        this.networkPool = networkPool;
        this.subnets = new ClusterSubnets(io.gantry.net.ipam.SubnetPool.parse(nodePool, ClusterSubnets.DEFAULT_SUBNET_PREFIX),
                io.gantry.net.ipam.SubnetPool.parse(networkPool, ClusterSubnets.DEFAULT_SUBNET_PREFIX));
    }

    public static Networks defaults() {
        return new Networks(ClusterSubnets.DEFAULT_NODE_POOL, ClusterSubnets.DEFAULT_NETWORK_POOL);
    }

    /** Rebuilds everything from what is stored. */
    public void restore(Collection<Network> networks, Collection<Node> nodes, Collection<Workload> workloads) {
        var nodeLeases = new ArrayList<SubnetLease>();
        var networkLeases = new ArrayList<SubnetLease>();
        var user = new ArrayList<SubnetLease>();
        Cidr netPool = Cidr.parse(networkPool);
        for (var n : nodes) {
            if (!n.getSubnet().isEmpty()) {
                nodeLeases.add(new SubnetLease(n.getName(), n.getSubnet()));
            }
        }
        for (var n : networks) {
            byId.put(n.getId(), n);
            Cidr c = Cidr.parse(n.getSubnet());
            (netPool.contains(c) ? networkLeases : user).add(new SubnetLease(n.getId(), n.getSubnet()));
            addresses.put(n.getId(), new IpAllocator(c));
        }
        subnets = ClusterSubnets.restore(new ClusterSubnetsState(
                new SubnetPoolState(nodePool, ClusterSubnets.DEFAULT_SUBNET_PREFIX, nodeLeases),
                new SubnetPoolState(networkPool, ClusterSubnets.DEFAULT_SUBNET_PREFIX, networkLeases), user));
        for (var w : workloads) {
            for (var e : w.getEndpointsList()) {
                var ips = addresses.get(e.getNetworkId());
                if (ips != null) {
                    ips.reserve(owner(w.getId()), Cidr.Ipv4.inet(e.getIp()));
                }
            }
        }
    }

    public Collection<Network> all() {
        return byId.values();
    }

    public Optional<Network> get(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** A network by name, id, or unambiguous id prefix; NOT_FOUND otherwise. */
    public Network resolve(String ref) {
        for (var n : byId.values()) {
            if (n.getName().equals(ref) || n.getId().equals(ref)) {
                return n;
            }
        }
        var matches = byId.values().stream().filter(n -> n.getId().startsWith(ref)).toList();
        if (matches.size() == 1 && ref.length() >= 3) {
            return matches.getFirst();
        }
        if (BUILTIN.contains(ref)) {
            throw Status.FAILED_PRECONDITION.withDescription(ref + " is a built-in network mode, not a network "
                    + "object: use --network " + ref).asRuntimeException();
        }
        throw Status.NOT_FOUND.withDescription("network " + ref + " not found").asRuntimeException();
    }

    /** Checks and builds a new overlay network (the caller stores it, then calls {@link #added}). */
    public Network create(CreateNetworkRequest r, String id, long nowMs) {
        if (!NAME.matcher(r.getName()).matches()) {
            throw invalid("invalid network name \"" + r.getName() + "\": only [a-zA-Z0-9][a-zA-Z0-9_.-]* are allowed");
        }
        if (BUILTIN.contains(r.getName())) {
            throw invalid("network name \"" + r.getName() + "\" is reserved for the built-in network mode");
        }
        if (byId.values().stream().anyMatch(n -> n.getName().equals(r.getName()))) {
            throw Status.ALREADY_EXISTS.withDescription("network with name " + r.getName() + " already exists").asRuntimeException();
        }
        if (!r.getDriver().isEmpty() && !r.getDriver().equals("overlay")) {
            throw invalid("unsupported network driver \"" + r.getDriver() + "\": use overlay (the node's bridge network is built in)");
        }
        Cidr subnet;
        try {
            Cidr requested = r.getSubnet().isEmpty() ? null : Cidr.parse(r.getSubnet());
            subnet = subnets.networkSubnet(id, requested);
        } catch (NetworkException | IllegalArgumentException e) {
            var code = e.getMessage() != null && e.getMessage().contains("exhausted") ? Status.RESOURCE_EXHAUSTED : Status.INVALID_ARGUMENT;
            throw code.withDescription(e.getMessage()).asRuntimeException();
        }
        int vni = FIRST_VNI;
        var used = byId.values().stream().map(Network::getVni).collect(java.util.stream.Collectors.toSet());
        while (used.contains(vni)) {
            vni++;
        }
        return Network.newBuilder().setId(id).setName(r.getName()).setDriver("overlay").setSubnet(subnet.toString())
                .setGateway(subnet.gateway().getHostAddress()).setInternal(r.getInternal()).setVni(vni)
                .putAllLabels(r.getLabelsMap()).setCreatedAtMs(nowMs).build();
    }

    /** The network was stored: it is now in use for addresses. */
    public void added(Network n) {
        byId.put(n.getId(), n);
        addresses.put(n.getId(), new IpAllocator(Cidr.parse(n.getSubnet())));
    }

    /** A create that did not land gives its subnet back. */
    public void abandoned(String id) {
        subnets.releaseNetwork(id);
    }

    public void removed(String id) {
        byId.remove(id);
        addresses.remove(id);
        subnets.releaseNetwork(id);
    }

    /** The node's bridge subnet: the one it has, or a new one from the pool (the caller stores it in the node). */
    public String nodeSubnet(Node node) {
        if (!node.getSubnet().isEmpty()) {
            return node.getSubnet();
        }
        try {
            return subnets.nodeSubnet(node.getName()).toString();
        } catch (NetworkException e) {
            throw Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage()).asRuntimeException();
        }
    }

    /**
     * Addresses for a new workload on the overlay networks its spec names (NOT_FOUND for an unknown one,
     * RESOURCE_EXHAUSTED when a network is full). Nothing is kept if one fails.
     */
    public List<NetworkEndpoint> join(String workloadId, WorkloadSpec spec) {
        var out = new ArrayList<NetworkEndpoint>();
        try {
            for (var a : spec.getNetworksList()) {
                out.add(join(workloadId, resolve(a.getNetwork()), a.getAliasesList()));
            }
        } catch (RuntimeException e) {
            leave(workloadId, out);
            throw e;
        }
        return out;
    }

    public NetworkEndpoint join(String workloadId, Network n, List<String> aliases) {
        var ips = addresses.get(n.getId());
        if (ips.addressOf(owner(workloadId)).isPresent()) {
            throw Status.ALREADY_EXISTS.withDescription("the container is already connected to network " + n.getName())
                    .asRuntimeException();
        }
        Inet4Address ip;
        try {
            ip = ips.allocate(owner(workloadId));
        } catch (NetworkException e) {
            throw Status.RESOURCE_EXHAUSTED.withDescription("network " + n.getName() + ": " + e.getMessage()).asRuntimeException();
        }
        return NetworkEndpoint.newBuilder().setNetworkId(n.getId()).setNetwork(n.getName()).setIp(ip.getHostAddress())
                .setMac(Macs.fromIp(ip)).addAllAliases(aliases).build();
    }

    /** Gives the workload's addresses back (removal, disconnect, or a create that did not land). */
    public void leave(String workloadId, Collection<NetworkEndpoint> endpoints) {
        for (var e : endpoints) {
            var ips = addresses.get(e.getNetworkId());
            if (ips != null) {
                ips.release(owner(workloadId));
            }
        }
    }

    private static String owner(String workloadId) {
        return "workload " + workloadId;
    }

    private static RuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }
}
