package io.gantry.ctl.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.agent.sim.HollowNodes;
import io.gantry.agent.sim.SharedResources;
import io.gantry.agent.sim.SimSettings;
import io.gantry.proto.ContainerState;
import io.gantry.proto.ControlGrpc;
import io.gantry.proto.ListNodesRequest;
import io.gantry.proto.ListRequest;
import io.gantry.proto.Node;
import io.gantry.proto.Resources;
import io.gantry.proto.RunRequest;
import io.gantry.proto.WorkloadSpec;
import io.gantry.scheduler.SchedulerConfig;
import io.gantry.scheduler.SchedulerServer;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** 200 hollow agents in this JVM register with a real scheduler (embedded ZooKeeper) and run what it places. */
class HollowNodesRegisterTest {
    @TempDir
    Path tmp;

    @Test
    void twoHundredHollowAgentsRegisterAndRunWorkloads() throws Exception {
        var config = SchedulerConfig.defaults(tmp.resolve("scheduler")).withListen("127.0.0.1", 0);
        try (SchedulerServer server = SchedulerServer.start(config, Clock.systemUTC())) {
            assertThat(server.awaitLeadership(Duration.ofSeconds(20))).isTrue();
            ManagedChannel channel = NettyChannelBuilder.forTarget(server.address()).usePlaintext().build();
            try (var nodes = HollowNodes.start(List.of(server.address()), 200, "hollow", 3,
                    SimSettings.defaults().withStartLatency(Duration.ofMillis(10)), new SharedResources(2, 2),
                    Clock.systemUTC())) {
                assertThat(nodes.awaitRegistered(Duration.ofSeconds(25))).isEqualTo(200);
                var control = ControlGrpc.newBlockingStub(channel);
                List<Node> listed = control.listNodes(ListNodesRequest.getDefaultInstance()).getNodesList();
                assertThat(listed).hasSize(200).allMatch(n -> n.getStatus() == Node.Status.READY
                        && n.getLabelsMap().get("hollow").equals("true") && n.getCpuMillis() == SimSettings.DEFAULT_CPU_MILLIS);

                for (int i = 0; i < 20; i++) {
                    control.run(RunRequest.newBuilder().setSpec(WorkloadSpec.newBuilder().setImage("busybox")
                            .setResources(Resources.newBuilder().setCpuMillis(100).setMemoryBytes(64L << 20))).build());
                }
                Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> control.list(ListRequest.newBuilder().setAll(true).build())
                        .getWorkloadsList().stream().filter(w -> w.getState() == ContainerState.RUNNING).count() == 20);
                assertThat(control.list(ListRequest.getDefaultInstance()).getWorkloadsList())
                        .allMatch(w -> w.getStartedAtMs() >= w.getCreatedAtMs() + 10 && w.getNode().startsWith("hollow-"));
                // Each hollow node got a subnet from the scheduler, yet none touched the host's networking.
                assertThat(listed).allMatch(n -> !n.getSubnet().isEmpty());
                try (var links = java.nio.file.Files.list(java.nio.file.Path.of("/sys/class/net"))) {
                    assertThat(links.map(l -> l.getFileName().toString())).noneMatch(name -> name.startsWith("gnt"));
                }
            } finally {
                channel.shutdownNow();
            }
        }
    }
}
