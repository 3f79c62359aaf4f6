package io.gantry.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.ctl.cluster.LocalCluster;
import io.gantry.ctl.cluster.Role;
import io.gantry.proto.Constraint;
import io.gantry.proto.ContainerState;
import io.gantry.proto.DesiredState;
import io.gantry.proto.ListRequest;
import io.gantry.proto.RunRequest;
import io.gantry.proto.Workload;
import io.gantry.proto.WorkloadSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 3 on the multi-host harness: 3 ZooKeeper servers, 3 schedulers and 3 nodes (zones a, b, c), each its own
 * process in its own network namespace, real containers. One cluster for the class; each test leaves it as it
 * found it (all nodes and schedulers up, no services).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {
    private static Path root;
    private static LocalCluster cluster;
    private static String addr;
    private static SchedulerClient client;

    @BeforeAll
    static void up() throws Exception {
        root = Files.createTempDirectory("gantry-cluster-it");
        cluster = LocalCluster.up(LocalCluster.Options.defaults().withDirs(root.resolve("state"), root.resolve("data")),
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
            assertThat(Residue.processesWith("sleep 60")).isEmpty();
        }
        if (root != null) {
            Files.deleteIfExists(root);
        }
    }

    @AfterEach
    void everyoneBack() throws Exception {
        for (String name : cluster.processes()) {
            if (!cluster.isAlive(name)) {
                cluster.restart(name);
                cluster.awaitStarted(name, Duration.ofSeconds(60));
            }
        }
        cluster.awaitNodesReady(3);
        for (String line : gantry("service", "ls", "-q").out().split("\n")) {
            if (!line.isBlank()) {
                gantry("service", "rm", line.trim());
            }
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> Residue.processesWith("sleep 60").isEmpty());
    }

    private static Gantry.Result gantry(String... args) {
        return Gantry.cli(addr, args);
    }

    private static Gantry.Result ok(String... args) {
        var r = gantry(args);
        assertThat(r.exit()).as(String.join(" ", args) + "\n" + r).isZero();
        return r;
    }

    private static List<Workload> replicas(String service) {
        return client.call(s -> s.list(ListRequest.newBuilder().setService(service).build())).getWorkloadsList().stream()
                .filter(w -> w.getDesired() == DesiredState.DESIRED_RUNNING).toList();
    }

    private static Map<String, Long> runningPerNode(String service) {
        return replicas(service).stream().filter(w -> w.getState() == ContainerState.RUNNING)
                .collect(Collectors.groupingBy(Workload::getNode, TreeMap::new, Collectors.counting()));
    }

    private static void awaitRunning(String service, int n) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> runningPerNode(service).values().stream().mapToLong(Long::longValue).sum() == n
                        && replicas(service).size() == n);
    }

    @Test
    @Order(1)
    void replicasSpreadOverTheThreeNodesAndLogsComeFromAll() {
        ok("service", "create", "--name", "web", "--replicas", "3", "busybox", "sh", "-c", "echo hello from $HOSTNAME; sleep 601");
        awaitRunning("web", 3);
        assertThat(runningPerNode("web")).isEqualTo(Map.of("node-1", 1L, "node-2", 1L, "node-3", 1L));
        var ls = ok("service", "ls");
        assertThat(ls.out()).contains("web").contains("3/3");
        var ps = ok("service", "ps", "web");
        assertThat(ps.out()).contains("web.1").contains("web.2").contains("web.3").contains("node-");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(ok("service", "logs", "web").out().lines().filter(l -> l.contains("| hello from")).count()).isEqualTo(3));
        // Node sessions reach every node through the leader: exec and top into each replica, wherever it runs.
        for (var w : replicas("web")) {
            var exec = gantry("exec", w.getSpec().getName(), "sh", "-c", "echo on-$0", w.getNode());
            assertThat(exec.exit()).as(exec.toString()).isZero();
            assertThat(exec.out()).isEqualTo("on-" + w.getNode() + "\n");
            assertThat(ok("top", w.getSpec().getName()).out()).contains("sleep 601");
        }
        assertThat(ok("stats", "--no-stream").out()).contains("node-1").contains("node-2").contains("node-3");
    }

    @Test
    @Order(2)
    void constraintsAndDrainAreRespected() {
        ok("service", "create", "--name", "zoned", "--replicas", "2", "--constraint", "node.labels.zone==b",
                "busybox", "sleep", "602");
        awaitRunning("zoned", 2);
        assertThat(runningPerNode("zoned")).isEqualTo(Map.of("node-2", 2L));

        // Drained: its replicas have nowhere to go (only node-2 is in zone b) and say why.
        ok("node", "drain", "node-2");
        await().atMost(Duration.ofSeconds(30)).until(() -> replicas("zoned").stream().allMatch(w -> w.getNode().isEmpty()));
        await().atMost(Duration.ofSeconds(30)).until(() -> Residue.processesWith("sleep 602").isEmpty());
        var pending = replicas("zoned").getFirst();
        assertThat(pending.getReason()).startsWith("0/3 nodes");
        assertThat(pending.getRejectionsList()).hasSize(3);
        var inspect = ok("inspect", pending.getId());
        assertThat(inspect.out()).contains("node is draining").contains("constraint node.labels.zone==b not met");
        assertThat(ok("node", "ls").out()).contains("Drain");

        ok("node", "activate", "node-2");
        awaitRunning("zoned", 2);
        assertThat(runningPerNode("zoned")).isEqualTo(Map.of("node-2", 2L));

        // Labels set by the operator take part in placement.
        ok("node", "update", "--label-add", "disk=ssd", "node-3");
        ok("service", "create", "--name", "fast", "--constraint", "node.labels.disk==ssd", "busybox", "sleep", "603");
        awaitRunning("fast", 1);
        assertThat(runningPerNode("fast")).isEqualTo(Map.of("node-3", 1L));
        ok("node", "update", "--label-rm", "disk", "node-3");
    }

    @Test
    @Order(3)
    void aRollingUpdateToAMissingImageRollsBack() {
        ok("service", "create", "--name", "roll", "--replicas", "2", "--update-monitor", "1s", "busybox", "sleep", "604");
        awaitRunning("roll", 2);
        var before = replicas("roll").stream().map(Workload::getId).collect(Collectors.toSet());

        var update = gantry("service", "update", "--image", cluster.registryAddress() + "/no-such-image:1", "roll");
        assertThat(update.exit()).as(update.toString()).isEqualTo(1);
        assertThat(update.err()).contains("rolled back");
        awaitRunning("roll", 2);
        assertThat(replicas("roll")).allMatch(w -> w.getSpec().getImage().equals("busybox"));
        assertThat(ok("service", "ls").out()).contains("rolled back");
        // The replica that was replaced by the failed update is new; the untouched one is still the same container.
        assertThat(replicas("roll").stream().map(Workload::getId).filter(before::contains).count()).isEqualTo(1);

        // A good update replaces both, one at a time.
        ok("service", "update", "--env-add", "VERSION=2", "roll");
        awaitRunning("roll", 2);
        assertThat(replicas("roll")).allMatch(w -> w.getSpec().getEnvList().contains("VERSION=2"));
    }

    @Test
    @Order(4)
    void aDeadNodesReplicasRunElsewhereWithinTenSecondsAndItsReturnAddsNoDuplicates() throws Exception {
        ok("service", "create", "--name", "lossy", "--replicas", "3", "busybox", "sleep", "605");
        awaitRunning("lossy", 3);
        var victim = replicas("lossy").stream().filter(w -> w.getNode().equals("node-3")).findFirst().orElseThrow();

        long t0 = System.nanoTime();
        cluster.kill9("node-3"); // the agent dies; its container goes on running, as on a partitioned host
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> replicas("lossy").stream()
                .anyMatch(w -> w.getSlot() == victim.getSlot() && !w.getNode().isEmpty() && !w.getNode().equals("node-3")
                        && w.getState() == ContainerState.RUNNING));
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("[it] node death to replacement running: %.1f s%n", seconds);
        assertThat(seconds).isLessThan(10.0);
        assertThat(Residue.processesWith("sleep 605")).hasSize(4); // the old copy still runs on the dead node

        cluster.restart("node-3");
        cluster.awaitStarted("node-3", Duration.ofSeconds(60));
        cluster.awaitNodesReady(3);
        await().atMost(Duration.ofSeconds(30)).until(() -> Residue.processesWith("sleep 605").size() == 3);
        assertThat(replicas("lossy")).hasSize(3);
        assertThat(replicas("lossy").stream().map(Workload::getSlot).distinct().count()).isEqualTo(3);
    }

    @Test
    @Order(5)
    void killingTheLeaderLosesNoAcknowledgedSubmitAndANewLeaderTakesWritesWithinTwoSeconds() throws Exception {
        ok("service", "create", "--name", "steady", "--replicas", "3", "busybox", "sleep", "606");
        awaitRunning("steady", 3);
        var steadyIds = replicas("steady").stream().map(Workload::getId).sorted().toList();
        String leader = cluster.leader().orElseThrow();

        // A writer submits workloads (pinned nowhere, so they stay pending: this is about the record) all along.
        var acknowledged = new ConcurrentLinkedQueue<String>();
        var ackTimes = Collections.synchronizedList(new ArrayList<Long>());
        var writing = new AtomicBoolean(true);
        var failures = new AtomicLong();
        Thread writer = Thread.ofPlatform().start(() -> {
            try (var c = new SchedulerClient(SchedulerClient.parseAddresses(addr))) {
                for (int i = 0; writing.get(); i++) {
                    String name = "hist-" + i;
                    try {
                        c.call(s -> s.withDeadlineAfter(5, java.util.concurrent.TimeUnit.SECONDS).run(RunRequest.newBuilder()
                                .setSpec(WorkloadSpec.newBuilder().setName(name).setImage("busybox")
                                        .addConstraints(Constraint.newBuilder().setAttribute("node.name").setValue("nowhere")
                                                .setText("node.name==nowhere"))).build()));
                        acknowledged.add(name);
                        ackTimes.add(System.nanoTime());
                    } catch (RuntimeException e) {
                        failures.incrementAndGet(); // not acknowledged: may or may not exist afterwards
                    }
                }
            }
        });
        await().atMost(Duration.ofSeconds(20)).until(() -> acknowledged.size() >= 20);
        long killedAt = System.nanoTime();
        cluster.kill9(leader);
        await().atMost(Duration.ofSeconds(20)).until(() -> ackTimes.stream().anyMatch(t -> t > killedAt + 1_000_000));
        long firstAfter = ackTimes.stream().filter(t -> t > killedAt).min(Long::compare).orElseThrow();
        double takeover = (firstAfter - killedAt) / 1e9;
        int before = acknowledged.size();
        await().atMost(Duration.ofSeconds(20)).until(() -> acknowledged.size() >= before + 20);
        writing.set(false);
        writer.join();
        String newLeader = cluster.leader().orElseThrow();
        System.out.printf("[it] leader %s killed; %s accepted a write after %.2f s; %d acknowledged, %d failed%n",
                leader, newLeader, takeover, acknowledged.size(), failures.get());
        assertThat(newLeader).isNotEqualTo(leader);
        assertThat(takeover).isLessThan(2.0);

        var all = client.call(s -> s.list(ListRequest.newBuilder().setAll(true).build())).getWorkloadsList();
        var names = all.stream().map(w -> w.getSpec().getName()).filter(n -> n.startsWith("hist-")).toList();
        assertThat(names).doesNotHaveDuplicates();
        assertThat(names).containsAll(acknowledged);
        // Nothing placed twice: the service still has exactly its three containers, the same ones.
        assertThat(replicas("steady").stream().map(Workload::getId).sorted().toList()).isEqualTo(steadyIds);
        assertThat(Residue.processesWith("sleep 606")).hasSize(3);
        for (String name : names) {
            client.call(s -> s.remove(io.gantry.proto.RemoveRequest.newBuilder().setRef(name).setForce(true).build()));
        }
    }

    @Test
    @Order(6)
    void badInputIsOneLineAndNonZero() {
        var missing = gantry("service", "scale", "ghost=2");
        assertThat(missing.exit()).isNotZero();
        assertThat(missing.err().strip()).isEqualTo("gantry: no such service: ghost");
        var node = gantry("node", "drain", "ghost");
        assertThat(node.exit()).isNotZero();
        assertThat(node.err().strip()).isEqualTo("gantry: no such node: ghost");
        var negative = gantry("service", "create", "--replicas", "-1", "busybox");
        assertThat(negative.exit()).isEqualTo(125);
        assertThat(negative.err().strip().lines().count()).isEqualTo(1);
        var constraint = gantry("service", "create", "--constraint", "node.foo==x", "busybox");
        assertThat(constraint.exit()).isEqualTo(125);
        assertThat(constraint.err()).contains("unknown attribute");
        // An impossible constraint is not an error: the service waits, saying why.
        ok("service", "create", "--name", "nowhere", "--constraint", "node.labels.zone==mars", "busybox", "sleep", "607");
        await().atMost(Duration.ofSeconds(20)).until(() -> replicas("nowhere").size() == 1
                && replicas("nowhere").getFirst().getReason().startsWith("0/3 nodes"));
        assertThat(ok("service", "ps", "nowhere").out()).contains("zone==mars");
    }

    @Test
    @Order(7)
    void anAgentWithTheSimulatedRuntimeIsAHollowNode() throws Exception {
        var cmd = Gantry.javaCommand("agent", "--runtime", "sim", "--name", "hollow-1", "--scheduler", addr,
                "--labels", "kind=hollow", "--sim-start-latency", "20ms");
        Process agent = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> cluster.listNodes().stream().anyMatch(n ->
                    n.getName().equals("hollow-1") && n.getStatus() == io.gantry.proto.Node.Status.READY
                            && "hollow".equals(n.getLabelsMap().get("kind"))));
            ok("service", "create", "--name", "hollow", "--replicas", "3", "--constraint", "node.labels.kind==hollow",
                    "busybox", "sleep", "608");
            awaitRunning("hollow", 3);
            assertThat(runningPerNode("hollow")).isEqualTo(Map.of("hollow-1", 3L));
            assertThat(Residue.processesWith("sleep 608")).as("simulated: no real container runs").isEmpty();
            ok("service", "rm", "hollow");
            await().atMost(Duration.ofSeconds(30)).until(() -> client.call(c -> c.list(ListRequest.newBuilder().setAll(true)
                    .build())).getWorkloadsList().stream().noneMatch(w -> w.getSpec().getName().startsWith("hollow.")));
        } finally {
            agent.toHandle().destroy();
            agent.waitFor();
        }
    }
}
