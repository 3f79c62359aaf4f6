package io.gantry.agent.net;

import static io.gantry.agent.RuntimeFixture.assignment;
import static io.gantry.agent.RuntimeFixture.newId;
import static io.gantry.agent.RuntimeFixture.sh;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gantry.agent.RuntimeFixture;
import io.gantry.agent.logs.LogReader;
import io.gantry.agent.runtime.ContainerRuntime;
import io.gantry.net.host.HostCommands;
import io.gantry.net.host.HostNetworkCleaner;
import io.gantry.net.ipam.Cidr;
import io.gantry.proto.Assignment;
import io.gantry.proto.Assignments;
import io.gantry.proto.ContainerState;
import io.gantry.proto.ContainerStatus;
import io.gantry.proto.Network;
import io.gantry.proto.NetworkEndpoint;
import io.gantry.proto.NetworkMember;
import io.gantry.proto.NetworkView;
import io.gantry.proto.PortMapping;
import io.gantry.proto.WorkloadSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's networking with real runc containers, in a throw-away "node" namespace (so nothing of it
 * touches the host's own network): the node bridge, a container's eth0, route, hosts and resolv.conf,
 * a published port through 127.0.0.1, an overlay network with a remote member and DNS, connect and
 * disconnect while running, an agent restart that keeps it all, and a clean removal. Needs root.
 */
class AgentNetworkingTest {
    private static final String NODE_SUBNET = "10.42.77.0/24";
    private static final String UNDERLAY = "10.203.0.1";

    @TempDir
    Path tmp;
    private RuntimeFixture fx;
    private String nodeNs;
    private Path nodeNsPath;
    private NetworkOptions options;
    private AgentNetworking networking;
    private ContainerRuntime runtime;
    private final HostCommands host = HostCommands.local();

    @BeforeEach
    void up() throws Exception {
        fx = new RuntimeFixture(tmp);
        String r = HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
        nodeNs = "gtag" + r;
        nodeNsPath = Path.of("/run/netns", nodeNs);
        host.run("ip", "netns", "add", nodeNs);
        host.run("ip", "-n", nodeNs, "link", "set", "lo", "up");
        host.run("ip", "-n", nodeNs, "link", "add", "ul", "type", "veth", "peer", "name", "ulpeer"); // no dummy module here
        host.run("ip", "-n", nodeNs, "addr", "add", UNDERLAY + "/24", "dev", "ul");
        host.run("ip", "-n", nodeNs, "link", "set", "ul", "up");
        options = NetworkOptions.forAgent("ta" + r, fx.runcRoot, List.of()).inNamespace(nodeNsPath);
        networking = new AgentNetworking(options);
        runtime = newRuntime(networking);
    }

    private ContainerRuntime newRuntime(AgentNetworking n) {
        return new ContainerRuntime(fx.settings(), fx.images, Clock.systemUTC(), () -> "127.0.0.1:5000", fx.events::add, n);
    }

    @AfterEach
    void down() throws Exception {
        try {
            if (runtime == null) {
                return;
            }
            runtime.removeAll();
            runtime.close();
            networking.removeAll();
            assertEquals(List.of(), new HostNetworkCleaner(networking.nodeNetwork()).leftovers());
            assertEquals(List.of(), networking.nodeNetwork().containersWithNamespace());
            assertFalse(Files.exists(options.stateDir()), "network state dir removed");
            fx.assertClean();
        } finally {
            host.tryRun("ip", "netns", "del", nodeNs);
        }
    }

    @Test
    void bridgeContainerGetsAddressRouteFilesAndAPublishedPort() throws Exception {
        networking.onRegistered(NODE_SUBNET, UNDERLAY);
        String id = newId();
        WorkloadSpec spec = sh("ip -o -4 addr show eth0; ip route; cat /etc/hosts /etc/resolv.conf; echo setup-done;"
                + " while true; do echo hello-from-container | nc -l -p 8080; done")
                .setHostname("web").addExtraHosts("db.example:10.9.9.9")
                .addPorts(PortMapping.newBuilder().setContainerPort(8080).setProtocol("tcp")).build();
        runtime.run(assignment(id, spec));
        await().atMost(Duration.ofSeconds(20)).until(() -> output(id).contains("setup-done"));
        ContainerStatus st = runtime.status(id).orElseThrow();
        assertEquals(ContainerState.RUNNING, st.getState(), st.getReason());
        String ip = st.getBridgeIp();
        assertTrue(Cidr.parse(NODE_SUBNET).contains(Cidr.Ipv4.parse(ip)), ip);
        assertEquals(1, st.getPublishedPortsCount());
        int hostPort = st.getPublishedPorts(0).getHostPort();
        assertTrue(hostPort >= 30000 && hostPort <= 32767, "chosen host port " + hostPort);

        String out = output(id);
        assertTrue(out.contains(ip + "/24"), out);
        assertTrue(out.contains("default via 10.42.77.1 dev eth0"), out);
        assertTrue(out.contains(ip + "\tweb"), out);
        assertTrue(out.contains("10.9.9.9\tdb.example"), out);
        assertTrue(out.contains("nameserver 10.42.77.1"), out);

        // the published port from the node itself, through loopback
        await().atMost(Duration.ofSeconds(10)).until(() -> host.tryRun("nsenter", "--net=" + nodeNsPath, "--", "/bin/busybox", "nc",
                "-w", "2", "127.0.0.1", Integer.toString(hostPort)).stdout().contains("hello-from-container"));

        // an agent restart: the recovered container still reports its address and port, and the port still answers
        runtime.close();
        networking.close();
        networking = new AgentNetworking(options);
        runtime = newRuntime(networking);
        ContainerStatus recovered = runtime.recover().getFirst();
        networking.recover(List.of(id));
        networking.onRegistered(NODE_SUBNET, UNDERLAY);
        assertEquals(ip, recovered.getBridgeIp());
        assertEquals(st.getPublishedPortsList(), recovered.getPublishedPortsList());
        assertTrue(host.tryRun("nsenter", "--net=" + nodeNsPath, "--", "/bin/busybox", "nc", "-w", "2", "127.0.0.1",
                Integer.toString(hostPort)).stdout().contains("hello-from-container"));

        runtime.remove(id).join();
        assertFalse(networking.nodeNetwork().namespaceExists(id), "namespace removed with the container");
        assertTrue(networking.nodeNetwork().interfacesOf(id).isEmpty(), "veth removed with the container");
        assertTrue(networking.nodeNetwork().iptables().rules("nat", "GANTRY-PORTS").isEmpty(), "port rules removed");
    }

    @Test
    void overlayDnsConnectDisconnectAndAgentRestart() throws Exception {
        networking.onRegistered(NODE_SUBNET, UNDERLAY);
        Network front = Network.newBuilder().setId("netfront").setName("front").setDriver("overlay").setSubnet("10.43.77.0/24")
                .setGateway("10.43.77.1").setVni(4777).build();
        Network back = Network.newBuilder().setId("netback").setName("back").setDriver("overlay").setSubnet("10.43.78.0/24")
                .setGateway("10.43.78.1").setVni(4778).build();
        String id = newId();
        NetworkEndpoint onFront = NetworkEndpoint.newBuilder().setNetworkId("netfront").setNetwork("front").setIp("10.43.77.2")
                .setMac("02:42:0a:2b:4d:02").build();
        WorkloadSpec spec = sh("sleep 600").setName("app").addNetworks(io.gantry.proto.NetworkAttachment.newBuilder().setNetwork("front")).build();
        Assignment a = assignment(id, spec).toBuilder().addEndpoints(onFront).build();
        NetworkMember local = NetworkMember.newBuilder().setWorkloadId(id).setName("app").setIp("10.43.77.2")
                .setMac("02:42:0a:2b:4d:02").setNode("n1").setNodeAddress(UNDERLAY).setHealthy(true).build();
        NetworkMember remote = NetworkMember.newBuilder().setWorkloadId("w-remote").setName("db").addAliases("database")
                .setService("dbsvc").setIp("10.43.77.3").setMac("02:42:0a:2b:4d:03").setNode("n2").setNodeAddress("10.203.0.2")
                .setHealthy(true).build();
        networking.onAssignments(Assignments.newBuilder().addAssignments(a)
                .addNetworks(NetworkView.newBuilder().setNetwork(front).addMembers(local).addMembers(remote)).build());
        runtime.run(a);
        await().atMost(Duration.ofSeconds(20)).until(() -> runtime.status(id).orElseThrow().getState() == ContainerState.RUNNING);
        Path ns = networking.current(id).orElseThrow().netns();
        HostCommands inside = HostCommands.in(ns);
        assertTrue(inside.run("ip", "-o", "-4", "addr", "show", "dev", "eth0").contains("10.43.77.2/24"));
        assertTrue(inside.run("ip", "route").contains("default via 10.43.77.1 dev eth0"));
        assertEquals("", runtime.status(id).orElseThrow().getBridgeIp(), "--network front only: not on the node bridge");
        // forwarding to the remote member: a static FDB entry towards its node
        String fdb = HostCommands.in(nodeNsPath).run("bridge", "fdb", "show", "dev", "gntx4777");
        assertTrue(fdb.contains("02:42:0a:2b:4d:03 dst 10.203.0.2"), fdb);
        // the built-in DNS on the gateway answers names, aliases and services
        for (String name : List.of("db", "database", "dbsvc")) {
            String r = inside.run("/bin/busybox", "nslookup", name, "10.43.77.1");
            assertTrue(r.contains("10.43.77.3"), name + ": " + r);
        }

        // connect to back while running: eth1 appears (no second default route), resolv.conf lists both gateways
        NetworkEndpoint onBack = NetworkEndpoint.newBuilder().setNetworkId("netback").setNetwork("back").setIp("10.43.78.2")
                .setMac("02:42:0a:2b:4e:02").build();
        Assignment connected = a.toBuilder().addEndpoints(onBack).build();
        NetworkMember localBack = local.toBuilder().setIp("10.43.78.2").setMac("02:42:0a:2b:4e:02").build();
        networking.onAssignments(Assignments.newBuilder().addAssignments(connected)
                .addNetworks(NetworkView.newBuilder().setNetwork(front).addMembers(local).addMembers(remote))
                .addNetworks(NetworkView.newBuilder().setNetwork(back).addMembers(localBack)).build());
        assertTrue(inside.run("ip", "-o", "-4", "addr", "show", "dev", "eth1").contains("10.43.78.2/24"));
        String resolv = Files.readString(networking.current(id).orElseThrow().resolvConf());
        assertTrue(resolv.contains("nameserver 10.43.77.1") && resolv.contains("nameserver 10.43.78.1"), resolv);

        // an agent restart: a new AgentNetworking recovers it and changes nothing
        runtime.close();
        networking.close();
        networking = new AgentNetworking(options);
        runtime = newRuntime(networking);
        List<ContainerStatus> found = runtime.recover();
        assertEquals(List.of(id), found.stream().map(ContainerStatus::getWorkloadId).toList());
        networking.recover(found.stream().map(ContainerStatus::getWorkloadId).toList());
        networking.onRegistered(NODE_SUBNET, UNDERLAY);
        networking.onAssignments(Assignments.newBuilder().addAssignments(connected)
                .addNetworks(NetworkView.newBuilder().setNetwork(front).addMembers(local).addMembers(remote))
                .addNetworks(NetworkView.newBuilder().setNetwork(back).addMembers(localBack)).build());
        assertTrue(inside.run("ip", "-o", "-4", "addr", "show", "dev", "eth1").contains("10.43.78.2/24"), "kept across the restart");
        assertTrue(inside.run("ip", "-o", "-4", "addr", "show", "dev", "eth0").contains("10.43.77.2/24"), "kept across the restart");

        // disconnect from back, and the remote member leaves front: eth1, the back network and the FDB entry go
        networking.onAssignments(Assignments.newBuilder().addAssignments(a)
                .addNetworks(NetworkView.newBuilder().setNetwork(front).addMembers(local)).build());
        assertFalse(inside.tryRun("ip", "link", "show", "dev", "eth1").ok(), "eth1 detached");
        assertFalse(networking.nodeNetwork().linkExists("gntb4778"), "network back removed from the node");
        assertFalse(HostCommands.in(nodeNsPath).run("bridge", "fdb", "show", "dev", "gntx4777").contains("10.203.0.2"));
        String r = inside.tryRun("/bin/busybox", "nslookup", "db", "10.43.77.1").stdout();
        assertFalse(r.contains("10.43.77.3"), r);
    }

    private String output(String id) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (var e : new LogReader(runtime.logSource(id).orElseThrow().file()).tail(-1)) {
            sb.append(e.getLine().toString(StandardCharsets.UTF_8)).append('\n');
        }
        return sb.toString();
    }
}
