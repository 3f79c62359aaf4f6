package io.gantry.ctl.cmd;

import com.google.protobuf.util.JsonFormat;
import io.gantry.proto.Constraint;
import io.gantry.proto.ContainerState;
import io.gantry.proto.CreateServiceRequest;
import io.gantry.proto.DesiredState;
import io.gantry.proto.RestartPolicy;
import io.gantry.proto.ScaleServiceRequest;
import io.gantry.proto.Service;
import io.gantry.proto.ServiceSpec;
import io.gantry.proto.UpdateConfig;
import io.gantry.proto.UpdateServiceRequest;
import io.gantry.proto.UpdateStatus;
import io.gantry.proto.Workload;
import io.gantry.proto.WorkloadSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The {@code service} commands, run for real over gRPC against {@link FakeControl}. */
class ServiceCommandsTest {
    private Cli cli;

    @BeforeEach
    void start() throws Exception {
        cli = new Cli();
    }

    @AfterEach
    void stop() throws Exception {
        cli.close();
    }

    private Service create(String... args) {
        Cli.Result r = cli.run(args);
        assertThat(r.exit()).as(r.toString()).isZero();
        return cli.control.services.get(r.out().strip());
    }

    @Test
    void createSendsRunsFlagsAsTheTemplateAndPrintsTheId() {
        Cli.Result r = cli.run("service", "create", "--name", "web", "--replicas", "3",
                "--constraint", "node.labels.zone==a", "--constraint", " node.name != n1 ",
                "--placement-pref", "spread=node.labels.rack",
                "--update-parallelism", "2", "--update-delay", "1m30s", "--update-monitor", "3s", "--update-failure-action", "pause",
                "-e", "A=1", "-l", "tier=front", "--memory", "64m", "--cpus", "0.5", "-w", "/srv", "-u", "nobody",
                "--entrypoint", "/bin/sh", "busybox", "-c", "httpd -f");
        assertThat(r.exit()).as(r.toString()).isZero();
        ServiceSpec spec = cli.control.requests(CreateServiceRequest.class).getFirst().getSpec();
        assertThat(r.out().strip()).isEqualTo(cli.control.services.keySet().iterator().next());
        assertThat(spec.getName()).isEqualTo("web");
        assertThat(spec.getReplicas()).isEqualTo(3);
        assertThat(spec.getUpdate()).isEqualTo(UpdateConfig.newBuilder().setParallelism(2).setDelayMs(90_000).setMonitorMs(3000)
                .setFailureAction(UpdateConfig.FailureAction.PAUSE).build());
        WorkloadSpec t = spec.getTemplate();
        assertThat(t.getImage()).isEqualTo("busybox");
        assertThat(t.getCommandList()).containsExactly("-c", "httpd -f");
        assertThat(t.getEntrypointList()).containsExactly("/bin/sh");
        assertThat(t.getEnvList()).containsExactly("A=1");
        assertThat(t.getLabelsMap()).containsEntry("tier", "front");
        assertThat(t.getResources().getMemoryBytes()).isEqualTo(64L << 20);
        assertThat(t.getResources().getCpuMillis()).isEqualTo(500);
        assertThat(t.getWorkingDir()).isEqualTo("/srv");
        assertThat(t.getUser()).isEqualTo("nobody");
        assertThat(t.getRestart().getMode()).as("services restart by default").isEqualTo(RestartPolicy.Mode.ALWAYS);
        assertThat(t.getConstraintsList()).containsExactly(
                Constraint.newBuilder().setAttribute("node.labels.zone").setOp(Constraint.Op.EQ).setValue("a").setText("node.labels.zone==a").build(),
                Constraint.newBuilder().setAttribute("node.name").setOp(Constraint.Op.NE).setValue("n1").setText("node.name != n1").build());
        assertThat(t.getPreferencesList()).extracting(p -> p.getSpread()).containsExactly("node.labels.rack");
        assertThat(t.getName()).as("the scheduler names replicas NAME.SLOT").isEmpty();
    }

    @Test
    void createDefaultsToOneReplicaAndKeepsAnExplicitRestart() {
        Service s = create("service", "create", "--restart", "on-failure:2", "busybox");
        assertThat(s.getSpec().getReplicas()).isEqualTo(1);
        assertThat(s.getSpec().getName()).as("Docker-like, picked by the CLI").matches("[a-z]+_[a-z]+");
        assertThat(s.getSpec().getTemplate().getRestart().getMode()).isEqualTo(RestartPolicy.Mode.ON_FAILURE);
        assertThat(s.getSpec().getTemplate().getRestart().getMaxRetries()).isEqualTo(2);
    }

    @Test
    void badCreateInputIsOneLineAnd125AndNothingIsSent() {
        List<String[]> bad = List.of(
                new String[] {"service", "create", "--constraint", "node.role==manager", "busybox"},
                new String[] {"service", "create", "--constraint", "node.labels.zone", "busybox"},
                new String[] {"service", "create", "--placement-pref", "spread=node.name", "busybox"},
                new String[] {"service", "create", "--replicas", "-1", "busybox"},
                new String[] {"service", "create", "--replicas", "many", "busybox"},
                new String[] {"service", "create", "--update-delay", "soon", "busybox"},
                new String[] {"service", "create", "--update-failure-action", "explode", "busybox"},
                new String[] {"service", "create", "--update-parallelism", "0", "busybox"},
                new String[] {"service", "create", "--memory", "lots", "busybox"},
                new String[] {"service", "create", "--bogus", "busybox"},
                new String[] {"service", "create", "Bad Image!"},
                new String[] {"service", "create"});
        for (String[] args : bad) {
            Cli.Result r = cli.run(args);
            assertThat(r.exit()).as(String.join(" ", args) + "\n" + r).isEqualTo(125);
            assertThat(r.err().strip()).as(String.join(" ", args)).doesNotContain("\n").isNotEmpty();
        }
        assertThat(cli.control.requests(CreateServiceRequest.class)).isEmpty();
        assertThat(cli.run("service", "create", "--constraint", "node.role==manager", "busybox").err().strip())
                .isEqualTo("gantry: invalid constraint \"node.role==manager\": unknown attribute \"node.role\" (use node.name or node.labels.KEY)");
    }

    @Test
    void daemonErrorsExitWithOne() {
        create("service", "create", "--name", "web", "busybox");
        Cli.Result r = cli.run("service", "create", "--name", "web", "busybox");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("gantry: service name \"web\" is already in use");
    }

    @Test
    void lsShowsReplicasAndUpdateState() {
        Service web = create("service", "create", "--name", "web", "--replicas", "3", "busybox");
        create("service", "create", "--name", "api", "127.0.0.1:5000/api:2", "serve");
        cli.control.addReplica(web, 1, "n1", ContainerState.RUNNING);
        cli.control.addReplica(web, 2, "n2", ContainerState.RUNNING);
        cli.control.addReplica(web, 3, "", ContainerState.PENDING);
        cli.control.services.put(web.getId(), cli.control.services.get(web.getId()).toBuilder()
                .setUpdateStatus(UpdateStatus.newBuilder().setState(UpdateStatus.State.ROLLED_BACK).setMessage("replica web.1 exited (1)")).build());

        Cli.Result r = cli.run("service", "ls");
        assertThat(r.exit()).as(r.toString()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines.getFirst()).matches("ID +NAME +MODE +REPLICAS +IMAGE +UPDATE");
        assertThat(lines.get(1)).matches("[0-9a-f]{12} +api +replicated +0/1 +127\\.0\\.0\\.1:5000/api:2");
        assertThat(lines.get(2)).matches("[0-9a-f]{12} +web +replicated +2/3 +busybox +rolled back: replica web\\.1 exited \\(1\\)");

        Cli.Result q = cli.run("service", "ls", "-q");
        assertThat(q.out().lines().toList()).containsExactlyInAnyOrderElementsOf(cli.control.services.keySet());
    }

    @Test
    void psListsReplicasBySlotWithHistoryAndReasons() {
        Service web = create("service", "create", "--name", "web", "--replicas", "2", "busybox");
        Workload old = cli.control.addReplica(web, 1, "n1", ContainerState.EXITED).toBuilder()
                .setDesired(DesiredState.DESIRED_STOPPED).setCreatedAtMs(System.currentTimeMillis() - 120_000)
                .setFinishedAtMs(System.currentTimeMillis() - 5_000).build();
        cli.control.workloads.set(0, old);
        cli.control.addReplica(web, 1, "n2", ContainerState.RUNNING);
        Workload pending = cli.control.addReplica(web, 2, "", ContainerState.PENDING).toBuilder()
                .setReason("no node fits: n1: constraint node.labels.zone==a not met; n2: insufficient memory").build();
        cli.control.workloads.set(2, pending);
        Service other = create("service", "create", "--name", "other", "busybox");
        cli.control.addReplica(other, 1, "n1", ContainerState.RUNNING);

        Cli.Result r = cli.run("service", "ps", "web");
        assertThat(r.exit()).as(r.toString()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).matches("ID +NAME +IMAGE +NODE +DESIRED STATE +CURRENT STATE +ERROR");
        assertThat(lines.get(1)).matches("[0-9a-f]{12} +web\\.1 +busybox +n2 +Running +Running 3[01] seconds ago");
        assertThat(lines.get(2)).matches("[0-9a-f]{12} + \\\\_ web\\.1 +busybox +n1 +Shutdown +Shutdown [56] seconds ago");
        assertThat(lines.get(3)).matches("[0-9a-f]{12} +web\\.2 +busybox +- +Running +Pending about a minute ago +"
                + "\"no node fits: n1: constraint node.labels.zone==a not met; n2: insufficient memory\"");

        Cli.Result missing = cli.run("service", "ps", "nope");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err().strip()).isEqualTo("gantry: no such service: nope");
    }

    @Test
    void inspectPrintsJsonLikeContainerInspect() throws Exception {
        Service web = create("service", "create", "--name", "web", "--constraint", "node.name==n1", "busybox");
        Cli.Result r = cli.run("service", "inspect", "web");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("[\n    {").endsWith("}\n]\n").contains("\"replicas\": 1").contains("\"text\": \"node.name==n1\"");
        Service.Builder parsed = Service.newBuilder();
        JsonFormat.parser().merge(r.out().strip().substring(1, r.out().strip().length() - 1), parsed);
        assertThat(parsed.build()).isEqualTo(web);

        Cli.Result both = cli.run("service", "inspect", "web", "gone");
        assertThat(both.exit()).isEqualTo(1);
        assertThat(both.out()).contains("\"name\": \"web\"");
        assertThat(both.err().strip()).isEqualTo("gantry: no such service: gone");
    }

    @Test
    void scaleChecksEverySpecifierBeforeSendingAny() {
        create("service", "create", "--name", "web", "busybox");
        create("service", "create", "--name", "api", "busybox");
        Cli.Result ok = cli.run("service", "scale", "web=3", "api=0");
        assertThat(ok.exit()).as(ok.toString()).isZero();
        assertThat(ok.out()).isEqualTo("web scaled to 3\napi scaled to 0\n");
        assertThat(cli.control.requests(ScaleServiceRequest.class)).extracting(ScaleServiceRequest::getReplicas).containsExactly(3, 0);

        for (String bad : List.of("web", "web=", "=3", "web=-1", "web=two", "web=1.5")) {
            Cli.Result r = cli.run("service", "scale", "api=2", bad);
            assertThat(r.exit()).as(bad + "\n" + r).isEqualTo(125);
            assertThat(r.err().strip()).as(bad).startsWith("gantry: invalid ").doesNotContain("\n");
        }
        assertThat(cli.run("service", "scale", "web=-1").err().strip())
                .isEqualTo("gantry: invalid replicas value \"-1\" in \"web=-1\": must not be negative");
        assertThat(cli.control.requests(ScaleServiceRequest.class)).hasSize(2);

        Cli.Result missing = cli.run("service", "scale", "ghost=2");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err().strip()).isEqualTo("gantry: no such service: ghost");

        Cli.Result partly = cli.run("service", "scale", "ghost=2", "web=1", "spook=1");
        assertThat(partly.exit()).isEqualTo(1);
        assertThat(partly.out()).isEqualTo("web scaled to 1\n");
        assertThat(partly.err()).isEqualTo("gantry: no such service: ghost\ngantry: no such service: spook\ngantry: 2 of 3 failed\n");
    }

    @Test
    void rmRemovesEachAndReportsTheMissing() {
        create("service", "create", "--name", "web", "busybox");
        create("service", "create", "--name", "api", "busybox");
        Cli.Result r = cli.run("service", "rm", "web", "api");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("web\napi\n");
        assertThat(cli.control.services).isEmpty();
        Cli.Result missing = cli.run("service", "rm", "web");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).isEqualTo("gantry: no such service: web\n");
    }

    @Test
    void updateAppliesFlagsToTheCurrentSpec() {
        create("service", "create", "--name", "web", "--replicas", "2", "-e", "A=1", "-e", "B=2", "-e", "C=3",
                "--constraint", "node.labels.zone==a", "--constraint", "node.name!=n1", "--update-delay", "5s", "busybox");
        Cli.Result r = cli.run("service", "update", "--detach", "--image", "busybox:1.36", "--env-add", "B=20", "--env-add", "D=4",
                "--env-rm", "A", "--constraint-add", "node.labels.disk==ssd", "--constraint-rm", "node.labels.zone == a",
                "--replicas", "4", "--update-parallelism", "2", "--label-add", "v=2", "web");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("web\n");
        UpdateServiceRequest sent = cli.control.requests(UpdateServiceRequest.class).getFirst();
        assertThat(sent.getRollback()).isFalse();
        ServiceSpec spec = sent.getSpec();
        assertThat(spec.getName()).isEqualTo("web");
        assertThat(spec.getReplicas()).isEqualTo(4);
        assertThat(spec.getUpdate().getParallelism()).isEqualTo(2);
        assertThat(spec.getUpdate().getDelayMs()).as("kept").isEqualTo(5000);
        assertThat(spec.getTemplate().getImage()).isEqualTo("busybox:1.36");
        assertThat(spec.getTemplate().getEnvList()).containsExactly("B=20", "C=3", "D=4");
        assertThat(spec.getTemplate().getConstraintsList()).extracting(Constraint::getText).containsExactly("node.name!=n1", "node.labels.disk==ssd");
        assertThat(spec.getTemplate().getLabelsMap()).containsEntry("v", "2");
        assertThat(spec.getTemplate().getRestart().getMode()).as("kept").isEqualTo(RestartPolicy.Mode.ALWAYS);
    }

    @Test
    void updateBadInputIsOneLine() {
        create("service", "create", "--name", "web", "busybox");
        for (String[] args : List.of(
                new String[] {"service", "update", "--constraint-add", "zone==a", "web"},
                new String[] {"service", "update", "--replicas", "-2", "web"},
                new String[] {"service", "update", "--update-monitor", "0s", "web"},
                new String[] {"service", "update", "--env-add", "=x", "web"},
                new String[] {"service", "update", "--rollback", "--image", "busybox:2", "web"})) {
            Cli.Result r = cli.run(args);
            assertThat(r.exit()).as(String.join(" ", args) + "\n" + r).isEqualTo(125);
            assertThat(r.err().strip()).doesNotContain("\n").startsWith("gantry: ");
        }
        assertThat(cli.control.requests(UpdateServiceRequest.class)).isEmpty();
        Cli.Result missing = cli.run("service", "update", "--image", "busybox:2", "ghost");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err().strip()).isEqualTo("gantry: no such service: ghost");
    }

    @Test
    void updateFollowsTheRolloutUntilItCompletes() {
        Service web = create("service", "create", "--name", "web", "--replicas", "2", "busybox");
        cli.control.addReplica(web, 1, "n1", ContainerState.RUNNING);
        cli.control.addReplica(web, 2, "n2", ContainerState.RUNNING);
        cli.control.pollsPerUpdate = 3;
        Cli.Result r = cli.run("service", "update", "--image", "busybox:1.36", "web");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("web\nupdating: 0/2 replicas updated\nverify: service converged\n");
    }

    @Test
    void updateThatRolledBackFailsWithTheReason() {
        Service web = create("service", "create", "--name", "web", "--replicas", "2", "busybox");
        cli.control.addReplica(web, 1, "n1", ContainerState.RUNNING);
        cli.control.addReplica(web, 2, "n2", ContainerState.RUNNING);
        cli.control.updateScript = List.of(
                FakeControl.status(UpdateStatus.State.ROLLING_BACK, "update rolled back: replica web.1 failed: image not found"),
                FakeControl.status(UpdateStatus.State.ROLLED_BACK, "rollback completed"));
        Cli.Result r = cli.run("service", "update", "--image", "nosuch:1", "web");
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).isEqualTo("web\nupdating: 0/2 replicas updated\n"
                + "rolling back: 0/2 replicas on the previous spec (update rolled back: replica web.1 failed: image not found)\n");
        assertThat(r.err()).isEqualTo("gantry: service web: update rolled back: replica web.1 failed: image not found\n");
    }

    @Test
    void pausedUpdateFails() {
        create("service", "create", "--name", "web", "--update-failure-action", "pause", "busybox");
        cli.control.updateScript = List.of(FakeControl.status(UpdateStatus.State.PAUSED, "update paused: replica web.1 failed: exited with code 1"));
        Cli.Result r = cli.run("service", "update", "--env-add", "X=1", "web");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("gantry: service web: update paused: replica web.1 failed: exited with code 1\n");
    }

    @Test
    void manualRollbackSucceedsWhenRolledBack() {
        create("service", "create", "--name", "web", "busybox");
        assertThat(cli.run("service", "update", "-d", "--image", "busybox:2", "web").exit()).isZero();
        Cli.Result r = cli.run("service", "update", "--rollback", "web");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).endsWith("verify: service converged\n");
        assertThat(cli.control.requests(UpdateServiceRequest.class).getLast().getRollback()).isTrue();
        assertThat(cli.control.services.values().iterator().next().getSpec().getTemplate().getImage()).isEqualTo("busybox");

        Cli.Result nothingBefore = cli.run("service", "update", "--rollback", cli.control.services.values().iterator().next().getId());
        assertThat(nothingBefore.exit()).as(nothingBefore.toString()).isZero();
        create("service", "create", "--name", "fresh", "busybox");
        Cli.Result none = cli.run("service", "update", "--rollback", "fresh");
        assertThat(none.exit()).isEqualTo(1);
        assertThat(none.err()).isEqualTo("gantry: service fresh has no previous spec to roll back to\n");
    }

    @Test
    void scaleOnlyUpdateDoesNotWaitForARollout() {
        create("service", "create", "--name", "web", "busybox");
        Cli.Result r = cli.run("service", "update", "--replicas", "5", "web");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("web\n");
    }

    @Test
    void serviceWithoutSubcommandIsAUsageError() {
        Cli.Result r = cli.run("service");
        assertThat(r.exit()).isEqualTo(125);
        assertThat(r.err().strip()).startsWith("gantry service: missing subcommand");
        Cli.Result help = cli.run("service", "create", "--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("--replicas").contains("--constraint").contains("--env");
    }
}
