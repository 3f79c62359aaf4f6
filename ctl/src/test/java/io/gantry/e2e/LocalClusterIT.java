package io.gantry.e2e;

import io.gantry.ctl.cluster.Exec;
import io.gantry.ctl.cluster.LocalCluster;
import io.gantry.ctl.cluster.Role;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.proto.ContainerState;
import io.gantry.proto.ListRequest;
import io.gantry.proto.Node;
import io.gantry.proto.Workload;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The multi-host harness end to end: three ZooKeeper servers, three schedulers and three
 * node agents, each a process in a network namespace of its own; a container runs on a node
 * through the GANTRY_ADDR addresses; an agent is killed and restarted with its container
 * still running; down (after another kill -9) leaves nothing behind.
 */
class LocalClusterIT {
    Path root;
    LocalCluster cluster;

    @AfterEach
    void tearDown() throws Exception {
        if (cluster != null) {
            cluster.down(); // idempotent: also after the test's own down
        }
        if (root != null && Files.exists(root)) {
            Files.delete(root);
        }
    }

    @Test
    void upRunsContainersOnNodesAndDownLeavesNothing() throws Exception {
        root = Files.createTempDirectory("gantry-lc-it");
        Path stateDir = root.resolve("state");
        Path dataDir = root.resolve("data");
        LocalCluster.Options options = LocalCluster.Options.defaults().withDirs(stateDir, dataDir);

        long t0 = System.nanoTime();
        cluster = LocalCluster.up(options, line -> System.out.println("[up] " + line));
        System.out.printf("[it] up took %.1f s%n", (System.nanoTime() - t0) / 1e9);
        String addr = cluster.schedulerAddresses();
        assertThat(addr).isEqualTo("10.77.0.21:7070,10.77.0.22:7070,10.77.0.23:7070");
        assertThat(cluster.processes(Role.NODE)).containsExactly("node-1", "node-2", "node-3");
        assertThat(cluster.netns("node-2")).isEqualTo("gantry-lc-node2");
        assertThat(cluster.leader()).isPresent();

        // every node is its own host: its own address, and the registry on the bridge reachable from it
        Exec.Result ifaces = cluster.exec("node-2", "ip", "-o", "-4", "addr", "show", "dev", "eth0");
        assertThat(ifaces.out()).contains("10.77.0.102/24");
        Exec.Result v2 = cluster.exec("node-1", "busybox", "wget", "-q", "-O", "-", "http://" + cluster.registryAddress() + "/v2/");
        assertThat(v2.exit()).as(v2.toString()).isZero();

        Map<String, Node> nodes = cluster.listNodes().stream().collect(Collectors.toMap(Node::getName, n -> n));
        assertThat(nodes).containsOnlyKeys("node-1", "node-2", "node-3");
        assertThat(nodes.values()).allMatch(n -> n.getStatus() == Node.Status.READY);
        assertThat(nodes.get("node-1").getAddress()).isEqualTo("10.77.0.101");
        assertThat(nodes.get("node-2").getLabelsMap()).containsEntry("zone", "b");

        Gantry.Result hello = Gantry.cli(addr, "run", "--rm", "busybox", "echo", "hello from a node");
        assertThat(hello.exit()).as(hello.toString()).isZero();
        assertThat(hello.out()).isEqualTo("hello from a node\n");

        Gantry.Result detached = Gantry.cli(addr, "run", "-d", "--name", "lc-smoke", "busybox", "sleep", "300");
        assertThat(detached.exit()).as(detached.toString()).isZero();
        String node = awaitRunning(addr, "lc-smoke");
        assertThat(node).matches("node-[123]");
        assertThat(Residue.processesWith("sleep 300")).hasSize(1);

        // the agent dies and comes back: its container keeps running throughout
        cluster.kill9(node);
        assertThat(cluster.isAlive(node)).isFalse();
        assertThat(Residue.processesWith("sleep 300")).hasSize(1);
        long t2 = System.nanoTime();
        cluster.restart(node);
        cluster.awaitStarted(node, Duration.ofSeconds(30));
        cluster.awaitNodesReady(3);
        System.out.printf("[it] %s back after %.1f s%n", node, (System.nanoTime() - t2) / 1e9);
        // (if that took longer than the heartbeat timeout, the scheduler may have moved it)
        String nodeNow = awaitRunning(addr, "lc-smoke");

        // down after a crash: the agent is gone, its container still runs
        cluster.kill9(nodeNow);
        cluster.kill9("sched-1");
        long t1 = System.nanoTime();
        cluster.down();
        System.out.printf("[it] down took %.1f s%n", (System.nanoTime() - t1) / 1e9);
        List<Path> agentDirs = List.of(dataDir.resolve("node-1"), dataDir.resolve("node-2"), dataDir.resolve("node-3"));
        assertThat(Residue.localCluster(stateDir, dataDir, agentDirs)).isEmpty();
        assertThat(Residue.processesWith("sleep 300")).isEmpty();
        assertThat(LocalCluster.leftovers(stateDir, dataDir)).isEmpty();

        cluster.down(); // again: nothing to do, no error
        assertThat(Residue.localCluster(stateDir, dataDir, agentDirs)).isEmpty();
    }

    /** Waits until the workload {@code name} runs (asking the leader directly: no CLI JVM per poll); returns its node. */
    private static String awaitRunning(String addr, String name) {
        try (SchedulerClient client = new SchedulerClient(SchedulerClient.parseAddresses(addr))) {
            return await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> client
                    .call(s -> s.list(ListRequest.getDefaultInstance())).getWorkloadsList().stream()
                    .filter(w -> w.getSpec().getName().equals(name) && w.getState() == ContainerState.RUNNING)
                    .map(Workload::getNode).findFirst().orElse(null), n -> n != null);
        }
    }
}
