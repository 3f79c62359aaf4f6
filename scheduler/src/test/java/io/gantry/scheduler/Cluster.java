package io.gantry.scheduler;

import io.gantry.proto.ControlGrpc;
import io.gantry.scheduler.state.StateLayout;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test fixture: one real ZooKeeper, any number of schedulers, channels and fake agents; closes them all.
 * Uses EmbeddedZooKeeper rather than curator-test's TestingServer, which leaves config files behind in /tmp.
 */
final class Cluster implements AutoCloseable {
    final EmbeddedZooKeeper zk;
    final Path dataDir;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    Cluster() throws Exception {
        this.dataDir = Files.createTempDirectory("gantry-sched-test");
        this.zk = EmbeddedZooKeeper.start(dataDir.resolve("zk"), "127.0.0.1", 0);
    }

    SchedulerConfig config() {
        return SchedulerConfig.defaults(dataDir).withZkConnect(zk.connectString()).withListen("127.0.0.1", 0).withSeed(7);
    }

    SchedulerServer start(SchedulerConfig config, Clock clock) throws Exception {
        var s = SchedulerServer.start(config, clock, Duration.ofMillis(100), new StateLayout(StateLayout.DEFAULT_ROOT));
        closeables.add(s);
        return s;
    }

    SchedulerServer startLeader(Clock clock) throws Exception {
        var s = start(config(), clock);
        if (!s.awaitLeadership(Duration.ofSeconds(20))) {
            throw new AssertionError("scheduler did not become leader");
        }
        return s;
    }

    ControlGrpc.ControlBlockingStub control(String address) {
        ManagedChannel ch = NettyChannelBuilder.forTarget(address).usePlaintext().build();
        closeables.add(() -> {
            ch.shutdownNow();
            ch.awaitTermination(5, TimeUnit.SECONDS);
        });
        return ControlGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    ControlGrpc.ControlStub asyncControl(String address) {
        ManagedChannel ch = NettyChannelBuilder.forTarget(address).usePlaintext().build();
        closeables.add(() -> {
            ch.shutdownNow();
            ch.awaitTermination(5, TimeUnit.SECONDS);
        });
        return ControlGrpc.newStub(ch);
    }

    FakeAgent agent(String address, String name) {
        var a = new FakeAgent(address, name);
        closeables.add(a);
        return a;
    }

    @Override
    public void close() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            try {
                closeables.get(i).close();
            } catch (Exception ignored) {
                // best effort
            }
        }
        zk.close();
        try (var paths = Files.walk(dataDir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** A standalone channel for tests that manage servers themselves. */
    static final class Channel implements AutoCloseable {
        private final ManagedChannel ch;

        Channel(String address) {
            ch = NettyChannelBuilder.forTarget(address).usePlaintext().build();
        }

        ControlGrpc.ControlBlockingStub control() {
            return ControlGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS);
        }

        @Override
        public void close() throws InterruptedException {
            ch.shutdownNow();
            ch.awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
