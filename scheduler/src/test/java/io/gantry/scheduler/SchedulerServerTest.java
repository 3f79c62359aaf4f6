package io.gantry.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SchedulerServerTest {

    @Test
    void defaultsAreLoopbackAndEmbedded() {
        var c = SchedulerConfig.defaults(Path.of("/var/lib/gantry"));
        assertEquals(null, c.zkConnect());
        assertEquals("127.0.0.1", c.listenHost());
        assertEquals(7070, c.listenPort());
        assertEquals("127.0.0.1:5000", c.defaultRegistry());
        assertEquals(Duration.ofSeconds(5), c.heartbeatTimeout());
        assertEquals(Duration.ofSeconds(10), c.zkSessionTimeout(), "embedded: nobody could take over anyway");
        assertEquals(Duration.ofSeconds(1), c.withZkConnect("10.0.0.1:2181").zkSessionTimeout(), "an ensemble: fail over fast");
    }

    @Test
    void aBusyPortIsAOneLineError() throws Exception {
        try (var cluster = new Cluster()) {
            var first = cluster.startLeader(new MutableClock(0));
            int port = Integer.parseInt(first.address().substring(first.address().lastIndexOf(':') + 1));
            var e = assertThrows(IOException.class, () -> cluster.start(cluster.config().withListen("127.0.0.1", port), new MutableClock(0)));
            assertTrue(e.getMessage().startsWith("cannot listen on 127.0.0.1:" + port + ": "), e.getMessage());
            assertTrue(first.isLeader());
        }
    }

    @Test
    void anUnreachableZooKeeperIsAOneLineErrorAtStart() throws Exception {
        var dir = java.nio.file.Files.createTempDirectory("gantry-nozk");
        try {
            var config = SchedulerConfig.defaults(dir).withZkConnect("127.0.0.1:1").withListen("127.0.0.1", 0);
            var e = assertThrows(IOException.class, () -> SchedulerServer.start(config, new MutableClock(0)));
            assertEquals("cannot reach ZooKeeper at 127.0.0.1:1 within 5 s", e.getMessage());
        } finally {
            try (var paths = java.nio.file.Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void aLeaderThatLosesZooKeeperStopsLeadingAtOnce() throws Exception {
        try (var cluster = new Cluster()) {
            var leader = cluster.startLeader(new MutableClock(0));
            long t0 = System.nanoTime();
            cluster.zk.close();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !leader.isLeader());
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 2_000, "stepped down after " + ms + " ms");
        }
    }

    @Test
    void badConfigIsRejected() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> SchedulerConfig.defaults(Path.of("/tmp/x")).withListen("127.0.0.1", 70000));
        assertEquals("invalid listen port 70000: must be 0-65535", e.getMessage());
    }
}
