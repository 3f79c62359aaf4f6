package io.gantry.ctl.cmd;

import io.gantry.proto.ContainerState;
import io.gantry.proto.KillRequest;
import io.gantry.proto.RemoveRequest;
import io.gantry.proto.RenameRequest;
import io.gantry.proto.RestartRequest;
import io.gantry.proto.StartRequest;
import io.gantry.proto.Service;
import io.gantry.proto.ServiceSpec;
import io.gantry.proto.Workload;
import io.gantry.proto.WorkloadSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code kill / start / restart / rename / container prune} against {@link FakeControl}. */
class LifecycleCommandsTest {
    private Cli cli;

    @BeforeEach
    void start() throws Exception {
        cli = new Cli();
    }

    @AfterEach
    void stop() throws Exception {
        cli.close();
    }

    @Test
    void killSendsTheCanonicalSignalDefaultingToKill() {
        cli.control.addContainer("web", ContainerState.RUNNING);
        cli.control.addContainer("db", ContainerState.RUNNING);
        Cli.Result r = cli.run("kill", "-s", "hup", "web", "db");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("web\ndb\n");
        assertThat(cli.control.requests(KillRequest.class)).extracting(KillRequest::getSignal).containsExactly("SIGHUP", "SIGHUP");

        assertThat(cli.run("kill", "web").exit()).isZero();
        assertThat(cli.control.requests(KillRequest.class).getLast().getSignal()).isEqualTo("SIGKILL");
        assertThat(cli.run("kill", "--signal=15", "web").exit()).isZero();
        assertThat(cli.control.requests(KillRequest.class).getLast().getSignal()).isEqualTo("SIGTERM");
    }

    @Test
    void invalidSignalIsOneLineExit125AndNothingIsSent() {
        cli.control.addContainer("web", ContainerState.RUNNING);
        Cli.Result r = cli.run("kill", "-s", "SIGNOPE", "web");
        assertThat(r.exit()).isEqualTo(125);
        assertThat(r.err()).isEqualTo("gantry: invalid signal: SIGNOPE\n");
        assertThat(cli.control.requests(KillRequest.class)).isEmpty();
    }

    @Test
    void killOfAStoppedContainerIsOneLine() {
        cli.control.addContainer("done", ContainerState.EXITED);
        Cli.Result r = cli.run("kill", "done");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("gantry: container done is not running");
        assertThat(r.err().lines()).hasSize(1);
    }

    @Test
    void startAndRestartSendTheirRequests() {
        cli.control.addContainer("web", ContainerState.EXITED);
        Cli.Result started = cli.run("start", "web");
        assertThat(started.exit()).as(started.toString()).isZero();
        assertThat(started.out()).isEqualTo("web\n");
        assertThat(cli.control.requests(StartRequest.class)).extracting(StartRequest::getRef).containsExactly("web");

        Cli.Result restarted = cli.run("restart", "-t", "3", "web");
        assertThat(restarted.exit()).as(restarted.toString()).isZero();
        assertThat(cli.control.requests(RestartRequest.class).getFirst().getTimeoutSeconds()).isEqualTo(3);

        Cli.Result negative = cli.run("restart", "-t", "-1", "web");
        assertThat(negative.exit()).isEqualTo(125);
        assertThat(negative.err()).contains("must not be negative");
        assertThat(cli.control.requests(RestartRequest.class)).hasSize(1);

        Cli.Result missing = cli.run("start", "ghost");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err().strip()).isEqualTo("gantry: no such container: ghost");
    }

    @Test
    void renameValidatesTheNameAndReportsATakenOne() {
        cli.control.addContainer("old", ContainerState.RUNNING);
        cli.control.addContainer("taken", ContainerState.RUNNING);
        Cli.Result ok = cli.run("rename", "old", "new");
        assertThat(ok.exit()).as(ok.toString()).isZero();
        assertThat(ok.out()).isEmpty();
        assertThat(cli.control.requests(RenameRequest.class).getFirst().getNewName()).isEqualTo("new");

        Cli.Result taken = cli.run("rename", "new", "taken");
        assertThat(taken.exit()).isEqualTo(1);
        assertThat(taken.err().strip()).isEqualTo("gantry: container name \"taken\" is already in use");

        Cli.Result invalid = cli.run("rename", "new", "-bad");
        assertThat(invalid.exit()).isEqualTo(125);
        assertThat(invalid.err().lines()).hasSize(1);
        Cli.Result invalid2 = cli.run("rename", "new", "a/b");
        assertThat(invalid2.exit()).isEqualTo(125);
        assertThat(invalid2.err()).contains("invalid container name \"a/b\"");
        assertThat(cli.control.requests(RenameRequest.class)).hasSize(2);
    }

    private Cli.Result withStdin(String input, String... args) {
        InputStream saved = System.in;
        System.setIn(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)));
        try {
            return cli.run(args);
        } finally {
            System.setIn(saved);
        }
    }

    @Test
    void pruneRemovesFinishedPlainContainersOnlyAndAsksFirst() {
        Workload exited = cli.control.addContainer("exited", ContainerState.EXITED);
        Workload failed = cli.control.addContainer("failed", ContainerState.FAILED);
        cli.control.addContainer("running", ContainerState.RUNNING);
        Service sv = Service.newBuilder().setId("5e7000000001").setSpec(ServiceSpec.newBuilder().setName("api")
                .setTemplate(WorkloadSpec.newBuilder().setImage("busybox"))).build();
        cli.control.addReplica(sv, 1, "n1", ContainerState.EXITED);

        Cli.Result declined = withStdin("n\n", "container", "prune");
        assertThat(declined.exit()).as(declined.toString()).isZero();
        assertThat(declined.out()).contains("Are you sure you want to continue? [y/N]");
        assertThat(cli.control.requests(RemoveRequest.class)).isEmpty();
        Cli.Result eof = withStdin("", "container", "prune");
        assertThat(eof.exit()).isZero();
        assertThat(cli.control.requests(RemoveRequest.class)).isEmpty();

        Cli.Result yes = withStdin("y\n", "container", "prune");
        assertThat(yes.exit()).as(yes.toString()).isZero();
        assertThat(yes.out()).endsWith("Deleted Containers:\n" + exited.getId() + "\n" + failed.getId() + "\n");
        assertThat(cli.control.requests(RemoveRequest.class)).extracting(RemoveRequest::getRef)
                .containsExactly(exited.getId(), failed.getId());
        assertThat(cli.control.workloads).extracting(w -> w.getSpec().getName()).containsExactly("running", "api.1");

        Cli.Result nothing = cli.run("container", "prune", "-f");
        assertThat(nothing.exit()).isZero();
        assertThat(nothing.out()).isEmpty();
    }

    @Test
    void pauseAndUnpauseAndPsShowsPaused() {
        cli.control.addContainer("web", ContainerState.RUNNING);
        cli.control.addContainer("done", ContainerState.EXITED);
        Cli.Result paused = cli.run("pause", "web");
        assertThat(paused.exit()).as(paused.toString()).isZero();
        assertThat(paused.out()).isEqualTo("web\n");
        Workload w = cli.control.workloads.getFirst();
        assertThat(w.getState()).isEqualTo(ContainerState.PAUSED);
        java.time.Instant now = java.time.Instant.ofEpochMilli(w.getStartedAtMs()).plusSeconds(5);
        assertThat(PsCommand.status(w, now)).isEqualTo("Up 5 seconds (Paused)");

        Cli.Result notRunning = cli.run("pause", "done");
        assertThat(notRunning.exit()).isEqualTo(1);
        assertThat(notRunning.err()).isEqualTo("gantry: container done is not running\n");

        assertThat(cli.run("unpause", "web").exit()).isZero();
        assertThat(cli.control.workloads.getFirst().getState()).isEqualTo(ContainerState.RUNNING);
        Cli.Result again = cli.run("unpause", "web");
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).isEqualTo("gantry: container web is not paused\n");
    }
}
