package io.gantry.ctl.cmd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gantry.proto.ContainerState;
import io.gantry.proto.ControlGrpc;
import io.gantry.proto.ListRequest;
import io.gantry.proto.RunRequest;
import io.gantry.proto.SessionFrame;
import io.gantry.proto.StatsSample;
import io.gantry.proto.WorkloadSpec;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** gantry stats against a real scheduler with containers "running" on two fake agents. */
class StatsCommandTest {
    private static NodeCli cli;
    private static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        cli = new NodeCli("node-1", "node-2");
        channel = NettyChannelBuilder.forTarget(cli.server.address()).usePlaintext().build();
        var control = ControlGrpc.newBlockingStub(channel);
        for (String name : new String[] {"web", "db"}) {
            control.run(RunRequest.newBuilder().setSpec(WorkloadSpec.newBuilder().setName(name).setImage("busybox")).build());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> control.list(ListRequest.getDefaultInstance()).getWorkloadsList().stream()
                .filter(w -> w.getState() == ContainerState.RUNNING).count() == 2);
    }

    @AfterAll
    static void stop() throws Exception {
        channel.shutdownNow();
        cli.close();
    }

    /** Sample i of a container: 0.25 s of CPU per 1 s of a 2-CPU host between samples (25 %); 100 MiB of 1 GiB. */
    private static StatsSample sample(String id, String name, String node, int i) {
        return StatsSample.newBuilder().setWorkloadId(id).setName(name).setNode(node).setTimeNanos(i)
                .setCpuUsageNanos(250_000_000L * i * (name.equals("db") ? 2 : 1)).setSystemCpuNanos(2_000_000_000L * i).setOnlineCpus(2)
                .setMemoryUsageBytes(100L << 20).setMemoryLimitBytes(1L << 30).setPids(3)
                .setNetRxBytes(1234).setNetTxBytes(648).setBlockReadBytes(4_096_000).setBlockWriteBytes(0).build();
    }

    @BeforeEach
    void reset() {
        cli.agents.values().forEach(a -> {
            a.opened.clear();
            a.received.clear();
        });
    }

    /** Every agent streams its containers' samples until the CLI cancels, or ends after {@code samples}. */
    private static void streamSamples(int samples) {
        cli.agents.values().forEach(a -> a.script = (open, r) -> {
            Map<String, String> mine = open.getContainer().isEmpty() ? a.running
                    : Map.of(open.getWorkloadId(), a.running.get(open.getWorkloadId()));
            for (int i = 1; i <= samples && !r.cancelled; i++) {
                for (var c : mine.entrySet()) {
                    r.send(SessionFrame.newBuilder().setStats(sample(c.getKey(), c.getValue(), a.name, i)));
                }
                Thread.sleep(50);
            }
            if (samples > 100) {
                return; // cancelled: a real agent's session just ends
            }
            r.exit(0);
        });
    }

    @Test
    void noStreamShowsEveryRunningContainerOnceWithCpuFromTwoSamples() {
        streamSamples(1000);
        long before = System.nanoTime();
        var r = cli.run("stats", "--no-stream");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(Duration.ofNanos(System.nanoTime() - before)).as("does not wait for the deadline").isLessThan(Duration.ofMillis(2400));
        var lines = r.out().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).isEqualTo("CONTAINER ID   NAME   CPU %    MEM USAGE / LIMIT   MEM %   NET I/O          BLOCK I/O      PIDS   NODE");
        assertThat(lines).anyMatch(l -> l.matches("[0-9a-f]{12}   web    25.00%   100MiB / 1GiB       9.77%   1.234kB / 648B   4.096MB / 0B   3      node-\\d"))
                .anyMatch(l -> l.matches("[0-9a-f]{12}   db     50.00%   .*"));
        cli.agents.values().forEach(a -> await().atMost(Duration.ofSeconds(5))
                .until(() -> a.received.stream().anyMatch(SessionFrame::getCancel)));
        assertThat(cli.agents.values()).allMatch(a -> a.opened.stream().allMatch(o -> o.getStats().getStream() && o.getContainer().isEmpty()));
    }

    @Test
    void namedContainersGetTheirOwnSessions() {
        streamSamples(1000);
        var r = cli.run("stats", "--no-stream", "db");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out().lines().toList()).hasSize(2).last().asString().contains(" db ", "50.00%");
        assertThat(cli.agents.values().stream().flatMap(a -> a.opened.stream()).anyMatch(o -> o.getContainer().equals("db"))).isTrue();

        var missing = cli.run("stats", "--no-stream", "ghost");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).isEqualTo("gantry: no such container: ghost\n");
    }

    @Test
    void streamingRedrawsUntilTheSessionsEnd() {
        streamSamples(3);
        CommandLine cl = NodeCli.commandLine();
        ((StatsCommand) cl.getSubcommands().get("stats").getCommand()).refresh = Duration.ofMillis(30);
        var r = cli.run(cl, "stats");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out().split("CONTAINER ID", -1).length - 1).as("tables printed").isGreaterThan(1);
        String last = r.out().substring(r.out().lastIndexOf("CONTAINER ID"));
        assertThat(last.lines()).hasSize(3);
        assertThat(last).contains("25.00%", "50.00%").doesNotContain("\u001b[");
    }
}
