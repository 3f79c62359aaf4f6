package io.gantry.ctl.cmd;

import io.gantry.proto.ContainerState;
import io.gantry.proto.DesiredState;
import io.gantry.proto.NodeRejection;
import io.gantry.proto.UpdateStatus;
import io.gantry.proto.Workload;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** The columns {@code ps} and {@code service ps} derive from a workload. */
class PsFormattingTest {
    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");

    private static Workload.Builder w(ContainerState state) {
        return Workload.newBuilder().setState(state).setCreatedAtMs(NOW.minusSeconds(600).toEpochMilli());
    }

    @Test
    void pendingShowsTheReasonOrWhatEachNodeSaid() {
        assertThat(PsCommand.pendingReason(w(ContainerState.PENDING).setReason("no node has 4 GiB free").build()))
                .isEqualTo("no node has 4 GiB free");
        Workload.Builder rejected = w(ContainerState.PENDING);
        for (int i = 1; i <= 5; i++) {
            rejected.addRejections(NodeRejection.newBuilder().setNode("n" + i).setReason("node is draining"));
        }
        assertThat(PsCommand.pendingReason(rejected.build())).isEqualTo("no node fits: n1: node is draining; n2: node is draining; "
                + "n3: node is draining; and 2 more (see gantry inspect)");
        assertThat(PsCommand.status(rejected.build(), NOW)).startsWith("Pending: no node fits: n1");
        assertThat(PsCommand.pendingReason(w(ContainerState.PENDING).build())).isEmpty();
        assertThat(ServicePsCommand.error(rejected.build())).startsWith("no node fits: n1: node is draining");
    }

    @Test
    void currentStateSaysSinceWhenLikeDocker() {
        long started = NOW.minusSeconds(5).toEpochMilli();
        assertThat(ServicePsCommand.currentState(w(ContainerState.RUNNING).setStartedAtMs(started).build(), NOW)).isEqualTo("Running 5 seconds ago");
        assertThat(ServicePsCommand.currentState(w(ContainerState.RUNNING).setStartedAtMs(started).setRestartCount(2).build(), NOW))
                .isEqualTo("Running 5 seconds ago (restarted 2x)");
        assertThat(ServicePsCommand.currentState(w(ContainerState.PENDING).build(), NOW)).isEqualTo("Pending 10 minutes ago");
        assertThat(ServicePsCommand.currentState(w(ContainerState.PENDING).setNode("n1").build(), NOW)).isEqualTo("Assigned 10 minutes ago");
        Workload failed = w(ContainerState.EXITED).setExitCode(3).setFinishedAtMs(NOW.minusSeconds(3600).toEpochMilli()).build();
        assertThat(ServicePsCommand.currentState(failed, NOW)).isEqualTo("Failed about an hour ago");
        assertThat(ServicePsCommand.error(failed)).isEqualTo("task: non-zero exit (3)");
        Workload shutdown = failed.toBuilder().setDesired(DesiredState.DESIRED_STOPPED).build();
        assertThat(ServicePsCommand.currentState(shutdown, NOW)).startsWith("Shutdown ");
        assertThat(ServicePsCommand.error(shutdown)).as("stopped on purpose").isEmpty();
        assertThat(ServicePsCommand.desiredState(DesiredState.DESIRED_REMOVED)).isEqualTo("Remove");
    }

    @Test
    void updateColumn() {
        assertThat(Services.updateColumn(UpdateStatus.getDefaultInstance())).isEmpty();
        assertThat(Services.updateColumn(UpdateStatus.newBuilder().setState(UpdateStatus.State.UPDATING).setMessage("update in progress").build()))
                .isEqualTo("updating");
        assertThat(Services.updateColumn(UpdateStatus.newBuilder().setState(UpdateStatus.State.ROLLED_BACK).setMessage("rollback completed").build()))
                .isEqualTo("rolled back");
        assertThat(Services.updateColumn(UpdateStatus.newBuilder().setState(UpdateStatus.State.PAUSED)
                .setMessage("update paused: replica web.1 failed: exited with code 1").build()))
                .isEqualTo("paused: replica web.1 failed: exited with code 1");
    }

    @org.junit.jupiter.api.Test
    void portsShowWhatTheAgentPublishedElseWhatWasAsked() {
        var asked = io.gantry.proto.Workload.newBuilder().setSpec(io.gantry.proto.WorkloadSpec.newBuilder()
                .addPorts(io.gantry.proto.PortMapping.newBuilder().setContainerPort(80).setProtocol("tcp"))).build();
        org.assertj.core.api.Assertions.assertThat(PsCommand.ports(asked)).isEqualTo("0.0.0.0:?->80/tcp");
        var published = asked.toBuilder().addPublishedPorts(io.gantry.proto.PortMapping.newBuilder().setHostPort(30001)
                .setContainerPort(80).setProtocol("tcp")).addPublishedPorts(io.gantry.proto.PortMapping.newBuilder()
                .setHostIp("127.0.0.1").setHostPort(53).setContainerPort(53).setProtocol("udp")).build();
        org.assertj.core.api.Assertions.assertThat(PsCommand.ports(published)).isEqualTo("0.0.0.0:30001->80/tcp, 127.0.0.1:53->53/udp");
        org.assertj.core.api.Assertions.assertThat(PsCommand.ports(io.gantry.proto.Workload.getDefaultInstance())).isEmpty();
    }
}
