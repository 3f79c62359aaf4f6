package io.gantry.net.host;

import io.gantry.net.ipam.Cidr;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.nio.file.Path;
import java.util.List;

import static io.gantry.net.host.TestNodes.UNDERLAY_A;
import static io.gantry.net.host.TestNodes.UNDERLAY_B;
import static io.gantry.net.host.TestNodes.inContainer;
import static io.gantry.net.host.TestNodes.ping;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real kernel networking between two test nodes (root). */
class OverlayNetworkTest {
    private TestNodes nodes;

    @BeforeEach
    void up() throws Exception {
        nodes = new TestNodes();
    }

    @AfterEach
    void down() throws Exception {
        nodes.close();
    }

    static Inet4Address ip(String s) {
        return Cidr.Ipv4.inet(s);
    }

    /** Puts the network on both nodes and one container on each, with forwarding for each other. */
    private BridgeNetwork overlay(String name, int vni, String subnet, boolean internal, String onA, String ipA, String onB, String ipB) {
        BridgeNetwork net = BridgeNetwork.overlay(name, vni, Cidr.parse(subnet), internal, nodes.a.mtuOfDeviceWith(UNDERLAY_A));
        nodes.a.ensureNetwork(net, UNDERLAY_A);
        nodes.b.ensureNetwork(net, UNDERLAY_B);
        nodes.a.createNamespace(onA);
        nodes.b.createNamespace(onB);
        nodes.a.attach(new Attachment(onA, 0, net, ip(ipA), true));
        nodes.b.attach(new Attachment(onB, 0, net, ip(ipB), true));
        List<OverlayPeer> members = List.of(new OverlayPeer(ip(ipA), UNDERLAY_A), new OverlayPeer(ip(ipB), UNDERLAY_B));
        nodes.a.syncPeers(net, UNDERLAY_A, members);
        nodes.b.syncPeers(net, UNDERLAY_B, members);
        return net;
    }

    @Test
    void containersOnTwoNodesReachEachOtherOverVxlanByPingTcpAndUdp() {
        BridgeNetwork net = overlay("front", 4101, "10.43.0.0/24", false, "ca", "10.43.0.2", "cb", "10.43.0.3");
        assertEquals(1450, net.mtu());
        assertTrue(ping(inContainer(nodes.a, "ca"), "10.43.0.3"), "a -> b");
        assertTrue(ping(inContainer(nodes.b, "cb"), "10.43.0.2"), "b -> a");

        Path nsB = nodes.b.names().netnsPath("cb");
        Path nsA = nodes.a.names().netnsPath("ca");
        nodes.tcpEcho(nsB, 7000);
        nodes.udpEcho(nsB, 7001);
        String big = "x".repeat(100_000); // more than one MTU: segmentation across the VXLAN MTU works
        assertEquals(big, TestNodes.tcpRoundTrip(nsA, "10.43.0.3", 7000, big));
        assertEquals("hello udp", TestNodes.udpRoundTrip(nsA, "10.43.0.3", 7001, "hello udp"));

        // Non-internal: the container gets out through its node (NAT) to the other node's underlay address.
        assertTrue(ping(inContainer(nodes.a, "ca"), UNDERLAY_B.getHostAddress()), "outbound NAT");
        String mac = inContainer(nodes.a, "ca").run("ip", "-o", "link", "show", "eth0");
        assertTrue(mac.contains("link/ether 02:42:0a:2b:00:02"), mac);
    }

    @Test
    void peerSyncChangesOnlyTheDifference() {
        BridgeNetwork net = overlay("front", 4102, "10.43.0.0/24", false, "ca", "10.43.0.2", "cb", "10.43.0.3");
        // Idempotent: the same desired list changes nothing.
        NodeNetwork.PeerDiff same = nodes.a.syncPeers(net, UNDERLAY_A,
                List.of(new OverlayPeer(ip("10.43.0.2"), UNDERLAY_A), new OverlayPeer(ip("10.43.0.3"), UNDERLAY_B)));
        assertEquals(List.of(), same.added());
        assertEquals(List.of(), same.removedMacs());
        // A second member on b: only it is added.
        nodes.b.createNamespace("cb2");
        nodes.b.attach(new Attachment("cb2", 0, net, ip("10.43.0.4"), true));
        NodeNetwork.PeerDiff more = nodes.a.syncPeers(net, UNDERLAY_A, List.of(new OverlayPeer(ip("10.43.0.2"), UNDERLAY_A),
                new OverlayPeer(ip("10.43.0.3"), UNDERLAY_B), new OverlayPeer(ip("10.43.0.4"), UNDERLAY_B)));
        assertEquals(List.of(new OverlayPeer(ip("10.43.0.4"), UNDERLAY_B)), more.added());
        assertTrue(ping(inContainer(nodes.a, "ca"), "10.43.0.4"));
        // Node b leaves: all of its entries go, a's own stays untouched.
        NodeNetwork.PeerDiff gone = nodes.a.syncPeers(net, UNDERLAY_A, List.of(new OverlayPeer(ip("10.43.0.2"), UNDERLAY_A)));
        assertEquals(2, gone.removedMacs().size());
        assertEquals("", nodes.a.commands().run("ip", "-4", "neigh", "show", "dev", net.vxlanDevice()).strip());
        assertFalse(ping(inContainer(nodes.a, "ca"), "10.43.0.3"));
    }

    @Test
    void twoOverlayNetworksAreIsolated() {
        overlay("one", 4201, "10.43.1.0/24", false, "c1a", "10.43.1.2", "c1b", "10.43.1.3");
        overlay("two", 4202, "10.43.2.0/24", false, "c2a", "10.43.2.2", "c2b", "10.43.2.3");
        assertTrue(ping(inContainer(nodes.a, "c1a"), "10.43.1.3"), "same network across nodes");
        assertTrue(ping(inContainer(nodes.a, "c2a"), "10.43.2.3"), "same network across nodes");
        assertFalse(ping(inContainer(nodes.a, "c1a"), "10.43.2.2"), "other network, same node");
        assertFalse(ping(inContainer(nodes.a, "c1a"), "10.43.2.3"), "other network, other node");
        assertFalse(ping(inContainer(nodes.b, "c2b"), "10.43.1.2"), "other network, other node");

        // A published port stays reachable from everywhere, also from another network; the container's own address does not.
        Path c1a = nodes.a.names().netnsPath("c1a");
        Path c2a = nodes.a.names().netnsPath("c2a");
        nodes.tcpEcho(c1a, 7000);
        nodes.a.publish("c1a", ip("10.43.1.2"), BridgeNetwork.overlay("one", 4201, Cidr.parse("10.43.1.0/24"), false, 1500),
                io.gantry.net.ports.PortSpecs.parse("8080:7000"));
        assertEquals("published", TestNodes.tcpRoundTrip(c2a, UNDERLAY_A.getHostAddress(), 8080, "published"));
        assertThrows(RuntimeException.class, () -> TestNodes.tcpRoundTrip(c2a, "10.43.1.2", 7000, "direct"));
    }

    @Test
    void internalNetworkHasNoRouteOut() {
        BridgeNetwork net = overlay("secret", 4301, "10.43.3.0/24", true, "ia", "10.43.3.2", "ib", "10.43.3.3");
        assertTrue(ping(inContainer(nodes.a, "ia"), "10.43.3.3"), "members still reach each other");
        String routes = inContainer(nodes.a, "ia").run("ip", "-4", "route", "show");
        assertFalse(routes.contains("default"), routes);
        // Even with a default route added by hand, the node drops the traffic.
        inContainer(nodes.a, "ia").run("ip", "route", "add", "default", "via", net.gateway().getHostAddress());
        assertFalse(ping(inContainer(nodes.a, "ia"), UNDERLAY_B.getHostAddress()));
        assertThrows(io.gantry.net.NetworkException.class,
                () -> nodes.a.publish("ia", ip("10.43.3.2"), net, io.gantry.net.ports.PortSpecs.parse("8080:80")));
    }

    @Test
    void publishedPortIsReachableViaLoopbackAndNodeAddress() {
        BridgeNetwork bridge = BridgeNetwork.nodeBridge(Cidr.parse("10.42.0.0/24"), 1500);
        nodes.a.ensureNetwork(bridge, null);
        Path ns = nodes.a.createNamespace("web");
        nodes.a.attach(new Attachment("web", 0, bridge, ip("10.42.0.2"), true));
        nodes.tcpEcho(ns, 80);
        nodes.udpEcho(ns, 53);
        nodes.a.publish("web", ip("10.42.0.2"), bridge, io.gantry.net.ports.PortSpecs.parseAll(List.of("8080:80", "5353:53/udp")));
        nodes.a.publish("web", ip("10.42.0.2"), bridge, io.gantry.net.ports.PortSpecs.parse("8080:80")); // idempotent
        Path nodeA = TestNodes.nodePath(nodes.nsA);
        assertEquals("via loopback", TestNodes.tcpRoundTrip(nodeA, "127.0.0.1", 8080, "via loopback"));
        assertEquals("via node address", TestNodes.tcpRoundTrip(nodeA, UNDERLAY_A.getHostAddress(), 8080, "via node address"));
        assertEquals("from node b", TestNodes.tcpRoundTrip(TestNodes.nodePath(nodes.nsB), UNDERLAY_A.getHostAddress(), 8080, "from node b"));
        assertEquals("udp", TestNodes.udpRoundTrip(nodeA, UNDERLAY_A.getHostAddress(), 5353, "udp"));
        // Hairpin: the container reaches its own published port through the node address.
        assertEquals("hairpin", TestNodes.tcpRoundTrip(ns, UNDERLAY_A.getHostAddress(), 8080, "hairpin"));
        nodes.a.unpublish("web");
        assertThrows(RuntimeException.class, () -> TestNodes.tcpRoundTrip(nodeA, "127.0.0.1", 8080, "gone"));
        assertEquals(List.of(), nodes.a.iptables().rules("nat", Iptables.PORTS));
    }

    @Test
    void connectAndDisconnectWhileRunningAndReattachIsIdempotent() {
        BridgeNetwork bridge = BridgeNetwork.nodeBridge(Cidr.parse("10.42.0.0/24"), 1500);
        nodes.a.ensureNetwork(bridge, null);
        BridgeNetwork net = overlay("front", 4401, "10.43.4.0/24", false, "x", "10.43.4.2", "y", "10.43.4.3");
        nodes.a.ensureNetwork(bridge, null);
        nodes.a.attach(new Attachment("x", 1, bridge, ip("10.42.0.7"), false));
        nodes.a.attach(new Attachment("x", 1, bridge, ip("10.42.0.7"), false)); // again: no change, no error
        String links = inContainer(nodes.a, "x").run("ip", "-o", "-4", "addr", "show");
        assertTrue(links.contains("eth0") && links.contains("10.43.4.2/24") && links.contains("eth1") && links.contains("10.42.0.7/24"), links);
        assertTrue(ping(inContainer(nodes.a, "x"), "10.42.0.1"));
        assertEquals(2, nodes.a.interfacesOf("x").size());
        nodes.a.detach("x", 1);
        assertFalse(inContainer(nodes.a, "x").run("ip", "-o", "link", "show").contains("eth1"));
        assertTrue(ping(inContainer(nodes.a, "x"), "10.43.4.3"), "eth0 unaffected");
        nodes.a.removeContainer("x");
        assertFalse(nodes.a.namespaceExists("x"));
        assertEquals(List.of(), nodes.a.links().stream().filter(l -> l.startsWith("gntv")).toList());
        nodes.a.removeNetwork(net);
        assertFalse(nodes.a.linkExists(net.bridge()));
        assertFalse(nodes.a.linkExists(net.vxlanDevice()));
    }

    @Test
    void cleanerRemovesEverythingAndRestoresSysctls() {
        nodes.a.commands().run("sysctl", "-q", "-w", "net.ipv4.ip_forward=0");
        overlay("front", 4501, "10.43.5.0/24", false, "ka", "10.43.5.2", "kb", "10.43.5.3");
        nodes.a.publish("ka", ip("10.43.5.2"), BridgeNetwork.overlay("front", 4501, Cidr.parse("10.43.5.0/24"), false, 1500),
                io.gantry.net.ports.PortSpecs.parse("8080:80"));
        assertEquals("1", nodes.a.commands().run("sysctl", "-n", "net.ipv4.ip_forward").strip());
        HostNetworkCleaner cleaner = new HostNetworkCleaner(nodes.a);
        List<String> before = cleaner.leftovers();
        assertTrue(before.contains("link gntb4501") && before.contains("link gntx4501") && before.contains("sysctl net.ipv4.ip_forward")
                && before.contains("netns " + nodes.a.names().netnsName("ka")), before.toString());
        assertTrue(before.stream().anyMatch(l -> l.contains("DNAT")), before.toString());
        cleaner.cleanAll();
        assertEquals(List.of(), cleaner.leftovers());
        assertEquals("0", nodes.a.commands().run("sysctl", "-n", "net.ipv4.ip_forward").strip(), "restored");
        String all = nodes.a.commands().run("iptables-save");
        assertFalse(all.contains("GANTRY") || all.contains("gantry"), all);
    }

    @Test
    void restartedAgentReconcilesByName() {
        BridgeNetwork bridge = BridgeNetwork.nodeBridge(Cidr.parse("10.42.0.0/24"), 1500);
        BridgeNetwork net = overlay("front", 4601, "10.43.6.0/24", false, "keep", "10.43.6.2", "peer", "10.43.6.3");
        nodes.a.ensureNetwork(bridge, null);
        nodes.a.createNamespace("gone");
        nodes.a.attach(new Attachment("gone", 0, bridge, ip("10.42.0.5"), true));
        nodes.a.publish("gone", ip("10.42.0.5"), bridge, io.gantry.net.ports.PortSpecs.parse("8081:80"));
        nodes.a.publish("keep", ip("10.43.6.2"), net, io.gantry.net.ports.PortSpecs.parse("8082:80"));
        String rulesBefore = nodes.a.commands().run("iptables-save");

        NodeNetwork restarted = nodes.restartedA();
        assertEquals(java.util.Set.of("keep", "gone"), java.util.Set.copyOf(restarted.containersWithNamespace()));
        restarted.ensureNetwork(net, UNDERLAY_A);
        restarted.attach(new Attachment("keep", 0, net, ip("10.43.6.2"), true));
        restarted.publish("keep", ip("10.43.6.2"), net, io.gantry.net.ports.PortSpecs.parse("8082:80"));
        assertEquals(List.of("gone"), restarted.pruneContainers(java.util.Set.of("keep")));
        assertEquals(List.of("gnt0"), restarted.pruneNetworks(List.of(net)));
        String rulesAfter = nodes.a.commands().run("iptables-save");
        assertFalse(rulesAfter.contains("gantry:gone") || rulesAfter.contains("gnt0"), rulesAfter);
        assertEquals(rulesBefore.lines().filter(l -> l.contains("gntb4601") || l.contains("gantry:keep")).sorted().toList(),
                rulesAfter.lines().filter(l -> l.contains("gntb4601") || l.contains("gantry:keep")).sorted().toList(),
                "re-ensuring changed nothing");
        assertTrue(ping(inContainer(nodes.a, "keep"), "10.43.6.3"), "the kept container's networking survived");
        assertFalse(restarted.namespaceExists("gone"));
    }

    @Test
    void dnsQueriesOnlyReachTheOwnGateway() {
        BridgeNetwork one = overlay("one", 4701, "10.43.7.0/24", false, "da", "10.43.7.2", "db", "10.43.7.3");
        BridgeNetwork two = BridgeNetwork.overlay("two", 4702, Cidr.parse("10.43.8.0/24"), false, 1500);
        nodes.a.ensureNetwork(two, UNDERLAY_A);
        Path nodeA = TestNodes.nodePath(nodes.nsA);
        // A UDP echo on port 53 of the node stands in for the DNS server.
        nodes.udpEcho(nodeA, 53);
        Path ns = nodes.a.names().netnsPath("da");
        assertEquals("own", TestNodes.udpRoundTrip(ns, one.gateway().getHostAddress(), 53, "own", 1000));
        assertThrows(RuntimeException.class, () -> TestNodes.udpRoundTrip(ns, two.gateway().getHostAddress(), 53, "other", 500));
    }
}
