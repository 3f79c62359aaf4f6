package io.gantry.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.awaitility.Awaitility.await;

import io.gantry.proto.ContainerState;
import io.gantry.proto.InspectRequest;
import io.gantry.proto.ListNodesRequest;
import io.gantry.proto.ListRequest;
import io.gantry.proto.Node;
import io.gantry.proto.Resources;
import io.gantry.proto.RunRequest;
import io.gantry.proto.WorkloadSpec;
import io.gantry.scheduler.state.StateLayout;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.junit.jupiter.api.Test;

class LeaderElectionTest {

    @Test
    void exactlyOneLeadsTheFollowerRedirectsAndTakesOverWhenTheLeaderGoes() throws Exception {
        try (var cluster = new Cluster()) {
            var clock = new MutableClock(1_000_000);
            var a = cluster.start(cluster.config(), clock);
            var b = cluster.start(cluster.config(), clock);
            await().atMost(Duration.ofSeconds(20)).until(() -> a.isLeader() || b.isLeader());
            Thread.sleep(300);
            assertTrue(a.isLeader() ^ b.isLeader(), "exactly one leader");
            var leader = a.isLeader() ? a : b;
            var follower = a.isLeader() ? b : a;

            var e = assertThrows(StatusRuntimeException.class,
                    () -> cluster.control(follower.address()).list(ListRequest.getDefaultInstance()));
            assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
            assertEquals("not the leader; leader is " + leader.address(), e.getStatus().getDescription());
            assertEquals(leader.address(), e.getTrailers().get(LeaderRedirect.LEADER_KEY));
            assertEquals(leader.address(), LeaderRedirect.leaderFrom(e).orElseThrow());

            // The agent stream is redirected too.
            var agent = cluster.agent(follower.address(), "node-1").register(1000, 1 << 30);
            await().atMost(Duration.ofSeconds(5)).until(() -> agent.error != null);
            assertEquals(leader.address(), LeaderRedirect.leaderFrom((StatusRuntimeException) agent.error).orElseThrow());

            cluster.control(leader.address()).run(RunRequest.newBuilder()
                    .setSpec(WorkloadSpec.newBuilder().setName("web").setImage("busybox")).build());
            leader.close();
            assertTrue(follower.awaitLeadership(Duration.ofSeconds(20)), "follower takes over");
            var w = cluster.control(follower.address()).inspect(InspectRequest.newBuilder().setRef("web").build());
            assertEquals(ContainerState.PENDING, w.getState());
        }
    }

    @Test
    void agentsMoveToTheNewLeaderAndGetTheirAssignmentsBack() throws Exception {
        try (var cluster = new Cluster()) {
            var clock = new MutableClock(1_000_000);
            var a = cluster.startLeader(clock);
            var b = cluster.start(cluster.config(), clock);
            var agent = cluster.agent(a.address(), "node-1").register(1000, 1L << 30);
            var w = cluster.control(a.address()).run(RunRequest.newBuilder()
                    .setSpec(WorkloadSpec.newBuilder().setName("moving").setImage("busybox")).build()).getWorkload();
            agent.awaitAssignments(x -> x.getAssignmentsCount() == 1);

            a.close();
            await().atMost(Duration.ofSeconds(10)).until(() -> agent.error != null || agent.completed);
            assertTrue(b.awaitLeadership(Duration.ofSeconds(20)));
            var nodes = cluster.control(b.address()).listNodes(ListNodesRequest.getDefaultInstance()).getNodesList();
            assertEquals(Node.Status.READY, nodes.getFirst().getStatus(), "a graceful leader exit does not mark nodes down");

            var again = cluster.agent(b.address(), "node-1").register(1000, 1L << 30,
                    io.gantry.proto.ContainerStatus.newBuilder().setWorkloadId(w.getId()).setState(ContainerState.RUNNING)
                            .setPlacementVersion(w.getPlacementVersion()).build());
            var assignments = again.awaitAssignments(x -> x.getAssignmentsCount() == 1);
            assertEquals(w.getId(), assignments.getAssignments(0).getWorkloadId());
            await().atMost(Duration.ofSeconds(5)).until(() -> cluster.control(b.address())
                    .inspect(InspectRequest.newBuilder().setRef("moving").build()).getState() == ContainerState.RUNNING);
        }
    }

    @Test
    void aLeaderFencedOutBehindItsBackCannotWrite() throws Exception {
        try (var cluster = new Cluster();
             var client = CuratorFrameworkFactory.newClient(cluster.zk.connectString(), new RetryOneTime(100))) {
            var leader = cluster.startLeader(new MutableClock(1_000_000));
            var control = cluster.control(leader.address());
            control.run(RunRequest.newBuilder().setSpec(WorkloadSpec.newBuilder().setName("before").setImage("busybox")).build());

            client.start();
            String epoch = new StateLayout(StateLayout.DEFAULT_ROOT).epoch();
            client.setData().forPath(epoch, "1000".getBytes()); // another "leader" moved the epoch

            var e = assertThrows(StatusRuntimeException.class, () -> control.run(RunRequest.newBuilder()
                    .setSpec(WorkloadSpec.newBuilder().setName("after").setImage("busybox")).build()));
            assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().contains("no longer the leader"), e.getStatus().toString());
            assertEquals(1, client.getChildren().forPath("/gantry/workloads").size(), "the fenced write did not land");

            // It rejoins the election and, being alone, leads again under a newer epoch.
            await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() ->
                    control.list(ListRequest.newBuilder().setAll(true).build()).getWorkloadsCount() == 1);
            assertTrue(Long.parseLong(new String(client.getData().forPath(epoch))) > 1000);
        }
    }

    @Test
    void aStaleTermsFencedWriteDoesNotEndTheCurrentTerm() throws Exception {
        try (var cluster = new Cluster();
             var client = CuratorFrameworkFactory.newClient(cluster.zk.connectString(), new RetryOneTime(100))) {
            client.start();
            var leader = cluster.startLeader(new MutableClock(1_000_000));
            var control = cluster.control(leader.address());
            var stale = leader.currentCore().orElseThrow();

            // End that term the way a moved epoch does; alone, the scheduler leads again under a newer epoch.
            String epoch = new StateLayout(StateLayout.DEFAULT_ROOT).epoch();
            client.setData().forPath(epoch, "1000".getBytes());
            assertThrows(StatusRuntimeException.class, () -> control.run(RunRequest.newBuilder()
                    .setSpec(WorkloadSpec.newBuilder().setName("fenced").setImage("busybox")).build()));
            await().atMost(Duration.ofSeconds(20)).until(() -> leader.currentCore().filter(c -> c != stale).isPresent());
            var current = leader.currentCore().orElseThrow();
            String epochNow = new String(client.getData().forPath(epoch));

            // A write of the old term that was already past its closed-check fails late, fenced out: that
            // must not end the current term nor give up the latch.
            leader.fencedOut(stale);
            Thread.sleep(500);
            assertSame(current, leader.currentCore().orElse(null));
            assertFalse(current.isClosed());
            assertEquals(epochNow, new String(client.getData().forPath(epoch)), "no new takeover happened");
            control.run(RunRequest.newBuilder().setSpec(WorkloadSpec.newBuilder().setName("after").setImage("busybox")).build());

            // The current term's own fenced write still steps down and rejoins.
            leader.fencedOut(current);
            await().atMost(Duration.ofSeconds(20)).until(() -> leader.currentCore().filter(c -> c != current).isPresent());
            assertTrue(current.isClosed());
            assertTrue(Long.parseLong(new String(client.getData().forPath(epoch))) > Long.parseLong(epochNow));
        }
    }

    @Test
    void stateSurvivesASchedulerRestartWithEmbeddedZooKeeper() throws Exception {
        var dir = Files.createTempDirectory("gantry-embedded");
        try {
            var config = SchedulerConfig.defaults(dir).withListen("127.0.0.1", 0).withSeed(3);
            var clock = new MutableClock(5_000_000);
            String id;
            try (var server = SchedulerServer.start(config, clock)) {
                assertTrue(server.awaitLeadership(Duration.ofSeconds(20)));
                assertTrue(server.zkConnectString().startsWith("127.0.0.1:"));
                var agent = new FakeAgent(server.address(), "node-1").register(2000, 1L << 30);
                agent.awaitAssignments(x -> true);
                try (var ch = new Cluster.Channel(server.address())) {
                    id = ch.control().run(RunRequest.newBuilder().setSpec(WorkloadSpec.newBuilder().setName("kept")
                            .setImage("busybox").setResources(Resources.newBuilder().setCpuMillis(500))).build())
                            .getWorkload().getId();
                }
                agent.close();
            }
            try (var server = SchedulerServer.start(config, clock)) {
                assertTrue(server.awaitLeadership(Duration.ofSeconds(20)));
                try (var ch = new Cluster.Channel(server.address())) {
                    var w = ch.control().inspect(InspectRequest.newBuilder().setRef("kept").build());
                    assertEquals(id, w.getId());
                    assertEquals("node-1", w.getNode());
                    List<Node> nodes = ch.control().listNodes(ListNodesRequest.getDefaultInstance()).getNodesList();
                    assertEquals(1, nodes.size());
                    assertEquals(500, nodes.getFirst().getAllocatedCpuMillis());
                    assertEquals(1, nodes.getFirst().getWorkloads());
                    assertNotEquals(Node.Status.NODE_UNKNOWN, nodes.getFirst().getStatus());
                }
            }
        } finally {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        assertFalse(Files.exists(dir));
    }
}
