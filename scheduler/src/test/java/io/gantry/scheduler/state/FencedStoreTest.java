package io.gantry.scheduler.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gantry.proto.Node;
import io.gantry.proto.Workload;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import io.gantry.scheduler.EmbeddedZooKeeper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FencedStoreTest {
    private EmbeddedZooKeeper zk;
    private Path dir;
    private CuratorFramework client;
    private final StateLayout layout = new StateLayout("/gantry-test");

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("gantry-fenced");
        zk = EmbeddedZooKeeper.start(dir, "127.0.0.1", 0);
        client = CuratorFrameworkFactory.newClient(zk.connectString(), new RetryOneTime(100));
        client.start();
        client.blockUntilConnected();
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        zk.close();
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void aDeposedLeadersWritesFailOnceTheEpochMoves() throws Exception {
        var first = FencedStore.takeOver(client, layout);
        first.createWorkload(Workload.newBuilder().setId("aaaaaaaaaaaa").build());
        var second = FencedStore.takeOver(client, layout);
        assertEquals(first.epoch() + 1, second.epoch());

        var e = assertThrows(FencedOutException.class,
                () -> first.updateWorkload(Workload.newBuilder().setId("aaaaaaaaaaaa").setExitCode(1).build()));
        assertTrue(e.getMessage().contains("no longer the leader"), e.getMessage());
        assertThrows(FencedOutException.class, () -> first.putNode(Node.newBuilder().setName("n1").build(), false));

        second.putNode(Node.newBuilder().setName("n1").build(), false);
        var loaded = second.load();
        assertEquals(1, loaded.workloads().size());
        assertEquals(0, loaded.workloads().getFirst().getExitCode());
        assertEquals("n1", loaded.nodes().getFirst().getName());
    }

    @Test
    void bumpingTheEpochBehindTheLeadersBackFencesIt() throws Exception {
        var store = FencedStore.takeOver(client, layout);
        client.setData().forPath(layout.epoch(), "99".getBytes());
        assertThrows(FencedOutException.class, () -> store.deleteWorkload("bbbbbbbbbbbb"));
    }

    @Test
    void writesSurviveACacheThatIsWrongAboutExistence() throws Exception {
        // A create whose reply was lost (ConnectionLoss, or Curator retrying it) landed although the cache
        // still thinks the znode is new: the next create must overwrite instead of failing with NodeExists.
        var store = FencedStore.takeOver(client, layout);
        store.putNode(Node.newBuilder().setName("n1").setCpuMillis(1).build(), false);
        store.putNode(Node.newBuilder().setName("n1").setCpuMillis(2).build(), false);
        assertEquals(2, store.load().nodes().getFirst().getCpuMillis());

        store.createWorkload(Workload.newBuilder().setId("cccccccccccc").build());
        store.createWorkload(Workload.newBuilder().setId("cccccccccccc").setExitCode(4).build());
        assertEquals(4, store.load().workloads().getFirst().getExitCode());

        // A delete that landed unseen: deleting again succeeds, updating the cached copy puts it back.
        store.deleteWorkload("cccccccccccc");
        store.deleteWorkload("cccccccccccc");
        assertTrue(store.load().workloads().isEmpty());
        store.updateWorkload(Workload.newBuilder().setId("cccccccccccc").setExitCode(5).build());
        assertEquals(5, store.load().workloads().getFirst().getExitCode());
        store.putNode(Node.newBuilder().setName("n2").build(), true);
        assertEquals(2, store.load().nodes().size());
    }

    @Test
    void theFallbackWritesAreFencedToo() throws Exception {
        var first = FencedStore.takeOver(client, layout);
        first.putNode(Node.newBuilder().setName("n1").build(), false);
        FencedStore.takeOver(client, layout);
        assertThrows(FencedOutException.class, () -> first.putNode(Node.newBuilder().setName("n1").setCpuMillis(9).build(), false));
        assertThrows(FencedOutException.class, () -> first.updateWorkload(Workload.newBuilder().setId("dddddddddddd").build()));
        assertThrows(FencedOutException.class, () -> first.deleteWorkload("dddddddddddd"));
        assertEquals(0, Node.parseFrom(client.getData().forPath(layout.node("n1"))).getCpuMillis());
        assertTrue(client.getChildren().forPath(layout.workloads()).isEmpty());
    }
}
