package io.gantry.scheduler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EmbeddedZooKeeperTest {
    private Path dir;

    @BeforeEach
    void dir() throws Exception {
        dir = Files.createTempDirectory("gantry-zk");
    }

    @AfterEach
    void clean() throws Exception {
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void dataPersistsAcrossRestarts() throws Exception {
        try (var zk = EmbeddedZooKeeper.start(dir, "127.0.0.1", 0);
             var client = CuratorFrameworkFactory.newClient(zk.connectString(), new RetryOneTime(100))) {
            assertTrue(zk.port() > 0);
            client.start();
            client.create().forPath("/kept", "yes".getBytes());
        }
        try (var zk = EmbeddedZooKeeper.start(dir, "127.0.0.1", 0);
             var client = CuratorFrameworkFactory.newClient(zk.connectString(), new RetryOneTime(100))) {
            client.start();
            assertArrayEquals("yes".getBytes(), client.getData().forPath("/kept"));
        }
    }

    @Test
    void refusesToBindBeyondLoopback() {
        var e = assertThrows(IllegalArgumentException.class, () -> EmbeddedZooKeeper.start(dir, "0.0.0.0", 0));
        assertEquals("embedded ZooKeeper binds to loopback only, not 0.0.0.0", e.getMessage());
    }
}
