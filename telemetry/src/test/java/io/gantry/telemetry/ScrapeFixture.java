package io.gantry.telemetry;

import io.gantry.telemetry.Labels.ContainerState;
import io.gantry.telemetry.Labels.NodeState;
import io.gantry.telemetry.Labels.PendingReason;
import io.gantry.telemetry.Labels.PlacementOutcome;
import io.gantry.telemetry.Labels.ZkOp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A registry with every metric this module emits populated: JVM binders, scheduler and agent facades, and
 * the per-container collector over fixture cgroup v2 and /proc files (so every container_* series exists).
 */
final class ScrapeFixture {
    private ScrapeFixture() {}

    static TelemetryRegistry populated(Path tempDir) throws IOException {
        Path cgroup = Files.createDirectories(tempDir.resolve("cgroup/gantry/0123456789ab"));
        Files.writeString(cgroup.resolve("cpu.stat"), "usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\n");
        Files.writeString(cgroup.resolve("memory.current"), "50000000\n");
        Files.writeString(cgroup.resolve("memory.stat"), "anon 30000000\ninactive_file 10000000\n");
        Files.writeString(cgroup.resolve("memory.max"), "268435456\n");
        Files.writeString(cgroup.resolve("pids.current"), "3\n");
        Files.writeString(cgroup.resolve("pids.max"), "max\n");
        Path net = Files.createDirectories(tempDir.resolve("proc/77/net"));
        Files.writeString(net.resolve("dev"), """
                Inter-|   Receive                                                |  Transmit
                 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                    lo:       5       1    0    0    0     0          0         0        5       1    0    0    0     0       0          0
                  eth0:    1000      10    0    0    0     0          0         0     2000      20    0    0    0     0       0          0
                """);
        var telemetry = TelemetryRegistry.create("scheduler", "node-a", true);
        var scheduler = new SchedulerMetrics(telemetry.registry());
        scheduler.setLeader(true);
        scheduler.placement(PlacementOutcome.PLACED, Duration.ofMillis(2));
        scheduler.setNodes(Map.of(NodeState.READY, 2));
        scheduler.setContainers(Map.of(ContainerState.RUNNING, 1));
        scheduler.setPendingWorkloads(Map.of(PendingReason.INSUFFICIENT_CPU, 1));
        scheduler.setEvaluationQueueDepth(1);
        scheduler.zooKeeper(ZkOp.SET, Duration.ofMillis(1), true);
        var agent = new AgentMetrics(telemetry.registry());
        agent.imagePulled(4096, Duration.ofSeconds(1));
        agent.containerStarted(Duration.ofMillis(300));
        agent.containerStartFailed(Labels.StartFailure.IMAGE);
        agent.containerOomKilled();
        var cgroups = new CgroupStats(CgroupStats.Version.V2, tempDir.resolve("cgroup"), Clock.systemUTC());
        var container = new ContainerDescriptor("0123456789ab", "web.1", "nginx:1.27", "node-a", "web",
                "/gantry/0123456789ab", 77, Instant.parse("2026-01-01T00:00:00Z"), 0);
        telemetry.registry().getPrometheusRegistry().register(
                new ContainerMetricsCollector(() -> List.of(container), cgroups, tempDir.resolve("proc")));
        return telemetry;
    }
}
