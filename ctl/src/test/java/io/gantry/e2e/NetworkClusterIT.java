package io.gantry.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gantry.agent.net.NetworkOptions;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.ctl.cluster.Exec;
import io.gantry.ctl.cluster.LocalCluster;
import io.gantry.ctl.cluster.Role;
import io.gantry.proto.ContainerState;
import io.gantry.proto.DesiredState;
import io.gantry.proto.ListRequest;
import io.gantry.proto.Workload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 5 on the multi-host harness (1 ZooKeeper, 1 scheduler, 2 nodes, each its own process in its own
 * network namespace) with the real CLI and real kernel networking: overlay networks across nodes (ping by
 * address and name, TCP echo, UDP), published ports, a port conflict placing on the other node, isolation,
 * service DNS, --internal, bad input, and nothing left after down. Commands "inside a container" run in its
 * network namespace ({@code nsenter}) with the host's busybox/python3; name lookups are done by the
 * containers themselves (their own resolv.conf) and read from their logs.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NetworkClusterIT {
    private static Path root;
    private static LocalCluster cluster;
    private static String addr;
    private static SchedulerClient client;
    private static List<String> hostBefore;

    @BeforeAll
    static void up() throws Exception {
        hostBefore = Residue.hostNetworking();
        root = Files.createTempDirectory("gantry-network-it");
        cluster = LocalCluster.up(LocalCluster.Options.defaults().withZookeepers(1).withSchedulers(1).withNodes(2)
                        .withDirs(root.resolve("state"), root.resolve("data")),
                line -> System.out.println("[up] " + line));
        addr = cluster.schedulerAddresses();
        client = new SchedulerClient(SchedulerClient.parseAddresses(addr));
    }

    @AfterAll
    static void down() throws Exception {
        if (client != null) {
            client.close();
        }
        if (cluster != null) {
            cluster.down();
            List<Path> agentDirs = cluster.processes(Role.NODE).stream().map(n -> root.resolve("data").resolve(n)).toList();
            assertThat(Residue.localCluster(root.resolve("state"), root.resolve("data"), agentDirs)).isEmpty();
            assertThat(LocalCluster.leftovers(root.resolve("state"), root.resolve("data"))).isEmpty();
            // nothing of Gantry's networking appeared in the host's own namespace either
            assertThat(Residue.hostNetworking()).isEqualTo(hostBefore);
        }
        if (root != null) {
            Files.deleteIfExists(root);
        }
    }

    // ------------------------------------------------------------------ tests

    @Test
    @Order(1)
    void badInputIsOneLineAndNonZero() {
        ok("network", "create", "--subnet", "10.43.200.0/24", "taken");
        assertOneLineError(gantry("network", "create", "--subnet", "10.43.200.128/25", "overlapping"), "overlap");
        assertOneLineError(gantry("network", "create", "taken"), "already exists");
        ok("run", "-d", "--name", "holder", "--network", "taken", "busybox", "sleep", "601");
        assertOneLineError(gantry("network", "rm", "taken"), "");
        assertOneLineError(gantry("run", "-d", "-p", "70000", "busybox", "true"), "70000");
        assertOneLineError(gantry("run", "-d", "-p", "80/sctp", "busybox", "true"), "sctp");
        ok("rm", "-f", "holder");
        ok("network", "rm", "taken");
    }

    @Test
    @Order(2)
    void twoContainersOnTwoNodesTalkOverTheOverlay() throws Exception {
        ok("network", "create", "front");
        ok("run", "-d", "--name", "alpha", "--network", "front", "--constraint", "node.name==node-1",
                "busybox", "nc", "-ll", "-p", "7000", "-e", "cat");
        Workload alpha = awaitRunning("alpha");
        String alphaIp = alpha.getEndpoints(0).getIp();
        // beta asks for alpha by name itself (its own resolv.conf -> the built-in DNS), then waits
        ok("run", "-d", "--name", "beta", "--network", "front", "--network-alias", "bee", "--constraint", "node.name==node-2",
                "busybox", "sh", "-c", "for i in $(seq 1 100); do ping -c1 -W1 alpha >/dev/null 2>&1 && break; sleep 0.1; done;"
                        + " ping -c1 -W2 alpha && echo PING-NAME-OK; echo TCP-ECHO:$(echo tcp-hello | nc -w 2 alpha 7000);"
                        + " nslookup alpha; sleep 601");
        Workload beta = awaitRunning("beta");
        assertThat(alpha.getNode()).isEqualTo("node-1");
        assertThat(beta.getNode()).isEqualTo("node-2");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            String logs = ok("logs", "beta").out();
            assertThat(logs).contains("PING-NAME-OK").contains("TCP-ECHO:tcp-hello").contains(alphaIp);
        });
        // by address, both ways
        assertThat(inContainer(beta, "/bin/busybox", "ping", "-c1", "-W2", alphaIp).ok()).isTrue();
        assertThat(inContainer(alpha, "/bin/busybox", "ping", "-c1", "-W2", beta.getEndpoints(0).getIp()).ok()).isTrue();
        // UDP: a datagram from beta (node-2) reaches a socket in alpha (node-1)
        String server = "import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('0.0.0.0', 7001));"
                + " s.settimeout(10); print(s.recvfrom(100)[0].decode())";
        var received = java.util.concurrent.CompletableFuture.supplyAsync(() -> inContainer(alpha, "python3", "-c", server));
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            inContainer(beta, "python3", "-c", "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM)"
                    + ".sendto(b'udp-hello', ('" + alphaIp + "', 7001))");
            return received.isDone();
        });
        assertThat(received.get().out()).contains("udp-hello");
        // the alias resolves too, through alpha's node's DNS
        assertThat(inContainer(alpha, "/bin/busybox", "nslookup", "bee", gatewayOf("front")).out()).contains(beta.getEndpoints(0).getIp());
    }

    @Test
    @Order(3)
    void publishedPortFromItsNodeAndAConflictGoesToTheOtherNode() throws Exception {
        ok("run", "-d", "--name", "web1", "-p", "18080:8080", "busybox", "sh", "-c",
                "while true; do echo hello-web | nc -l -p 8080; done");
        Workload web1 = awaitRunning("web1");
        assertThat(web1.getBridgeIp()).isNotEmpty();
        await().atMost(Duration.ofSeconds(10)).until(() ->
                cluster.exec(web1.getNode(), "/bin/busybox", "nc", "-w", "2", "127.0.0.1", "18080").out().contains("hello-web"));
        // -p PORT: a host port chosen by the agent, shown by `gantry port`
        ok("run", "-d", "--name", "web3", "-p", "8080", "busybox", "sh", "-c", "while true; do echo hello-chosen | nc -l -p 8080; done");
        Workload web3 = awaitRunning("web3");
        String port = ok("port", "web3").out();
        Matcher m = Pattern.compile(":(\\d+)").matcher(port);
        assertThat(m.find()).as(port).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() ->
                cluster.exec(web3.getNode(), "/bin/busybox", "nc", "-w", "2", "127.0.0.1", m.group(1)).out().contains("hello-chosen"));
        // the same host port again: the scheduler places it on the other node
        ok("run", "-d", "--name", "web2", "-p", "18080:8080", "busybox", "sleep", "601");
        Workload web2 = awaitRunning("web2");
        assertThat(web2.getNode()).isNotEqualTo(web1.getNode());
        ok("rm", "-f", "web1", "web2", "web3");
    }

    @Test
    @Order(4)
    void networksAreIsolatedAndInternalHasNoWayOut() {
        ok("network", "create", "other");
        ok("network", "create", "--internal", "sealed");
        ok("run", "-d", "--name", "gamma", "--network", "other", "--constraint", "node.name==node-1", "busybox", "sleep", "601");
        ok("run", "-d", "--name", "delta", "--network", "sealed", "busybox", "sleep", "601");
        Workload gamma = awaitRunning("gamma");
        Workload delta = awaitRunning("delta");
        Workload alpha = workload("alpha");
        // positive controls first: the namespaces are right and reach their own gateways
        assertThat(inContainer(gamma, "/bin/busybox", "ping", "-c1", "-W2", gatewayOf("other")).ok()).isTrue();
        assertThat(inContainer(delta, "/bin/busybox", "ping", "-c1", "-W2", gatewayOf("sealed")).ok()).isTrue();
        assertThat(inContainer(delta, "/bin/busybox", "ip", "route").out()).contains(delta.getEndpoints(0).getIp());
        assertThat(inContainer(gamma, "/bin/busybox", "ping", "-c1", "-W1", alpha.getEndpoints(0).getIp()).ok()).isFalse();
        assertThat(inContainer(alpha, "/bin/busybox", "ping", "-c1", "-W1", gamma.getEndpoints(0).getIp()).ok()).isFalse();
        assertThat(inContainer(delta, "/bin/busybox", "ip", "route").out()).doesNotContain("default");
        // not even the node's own underlay address is reachable from an internal network
        assertThat(inContainer(delta, "/bin/busybox", "ping", "-c1", "-W1", cluster.address(delta.getNode())).ok()).isFalse();
        ok("rm", "-f", "gamma", "delta");
        ok("network", "rm", "other", "sealed");
    }

    @Test
    @Order(5)
    void serviceNameResolvesToItsReplicasAndAScaledDownOneGoesWithinASecond() {
        ok("service", "create", "--name", "api", "--replicas", "3", "--network", "front", "busybox", "sleep", "601");
        await().atMost(Duration.ofSeconds(60)).until(() -> replicas("api").stream().filter(w -> w.getState() == ContainerState.RUNNING).count() == 3);
        Workload beta = workload("beta");
        String gw = gatewayOf("front");
        await().atMost(Duration.ofSeconds(20)).until(() -> addresses(inContainer(beta, "/bin/busybox", "nslookup", "api", gw).out()) == 3);
        ok("service", "scale", "api=2");
        long t0 = System.nanoTime();
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(50))
                .until(() -> addresses(inContainer(beta, "/bin/busybox", "nslookup", "api", gw).out()) == 2);
        System.out.printf("[dns] scaled-down replica gone from DNS after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        ok("service", "rm", "api");
        ok("rm", "-f", "alpha", "beta");
    }

    // ------------------------------------------------------------------ helpers

    private static Gantry.Result gantry(String... args) {
        return Gantry.cli(addr, args);
    }

    private static Gantry.Result ok(String... args) {
        var r = gantry(args);
        assertThat(r.exit()).as(String.join(" ", args) + "\n" + r).isZero();
        return r;
    }

    private static void assertOneLineError(Gantry.Result r, String contains) {
        assertThat(r.exit()).as(r.toString()).isNotZero();
        assertThat(r.err().strip().lines().count()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).as(r.toString()).contains(contains);
    }

    private static Workload workload(String name) {
        return client.call(s -> s.list(ListRequest.newBuilder().build())).getWorkloadsList().stream()
                .filter(w -> w.getSpec().getName().equals(name) && w.getDesired() != DesiredState.DESIRED_REMOVED)
                .findFirst().orElseThrow(() -> new AssertionError("no container " + name));
    }

    private static Workload awaitRunning(String name) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            Workload w = workload(name);
            if (w.getState() == ContainerState.FAILED) {
                throw new AssertionError(name + " failed: " + w.getReason());
            }
            return w.getState() == ContainerState.RUNNING;
        });
        return workload(name);
    }

    private static List<Workload> replicas(String service) {
        return client.call(s -> s.list(ListRequest.newBuilder().setService(service).build())).getWorkloadsList().stream()
                .filter(w -> w.getDesired() == DesiredState.DESIRED_RUNNING).toList();
    }

    private static String gatewayOf(String network) {
        String json = ok("network", "inspect", network).out();
        Matcher m = Pattern.compile("\"gateway\"\\s*:\\s*\"([0-9.]+)\"", Pattern.CASE_INSENSITIVE).matcher(json);
        assertThat(m.find()).as(json).isTrue();
        return m.group(1);
    }

    /** "Address: A" lines of a busybox nslookup answer (the server's own line is "Address:\tIP:53"). */
    private static long addresses(String nslookup) {
        return nslookup.lines().filter(l -> l.startsWith("Address") && !l.contains(":53")).count();
    }

    /** Runs a command in the container's network namespace ({@code gnt-<node tag>-<id>}), as a process inside would. */
    private static Exec.Result inContainer(Workload w, String... command) {
        Path agentDir = root.resolve("data").resolve(w.getNode());
        String tag = NetworkOptions.tagFor(w.getNode(), io.gantry.ctl.dev.AgentSetup.runcRoot(agentDir));
        List<String> cmd = new ArrayList<>(List.of("nsenter", "--net=/run/netns/gnt-" + tag + "-" + w.getId(), "--"));
        cmd.addAll(List.of(command));
        return Exec.run(cmd);
    }
}
