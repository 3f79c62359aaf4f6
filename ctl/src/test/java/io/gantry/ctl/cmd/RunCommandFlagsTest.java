package io.gantry.ctl.cmd;

import io.gantry.ctl.Main;
import io.gantry.ctl.cli.CliException;
import io.gantry.proto.RestartPolicy;
import io.gantry.proto.WorkloadSpec;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code run}'s flags after they moved into {@link WorkloadFlags}: same spec as before. */
class RunCommandFlagsTest {
    private static RunCommand parse(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setStopAtPositional(true);
        String[] all = new String[args.length + 1];
        all[0] = "run";
        System.arraycopy(args, 0, all, 1, args.length);
        CommandLine.ParseResult result = cl.parseArgs(all);
        return (RunCommand) result.subcommand().commandSpec().userObject();
    }

    @Test
    void buildsTheSameSpecAsBefore() {
        WorkloadSpec spec = parse("--name", "w", "-e", "A=1", "-m", "64m", "--cpus", "1.5", "--pids-limit", "100",
                "-w", "/tmp", "-u", "1000:1000", "--entrypoint", "/bin/sh", "-l", "k=v", "--rm",
                "busybox", "-c", "echo hi").buildSpec();
        assertThat(spec.getName()).isEqualTo("w");
        assertThat(spec.getImage()).isEqualTo("busybox");
        assertThat(spec.getCommandList()).containsExactly("-c", "echo hi");
        assertThat(spec.getEnvList()).containsExactly("A=1");
        assertThat(spec.getResources().getMemoryBytes()).isEqualTo(64L << 20);
        assertThat(spec.getResources().getCpuMillis()).isEqualTo(1500);
        assertThat(spec.getResources().getPidsLimit()).isEqualTo(100);
        assertThat(spec.getWorkingDir()).isEqualTo("/tmp");
        assertThat(spec.getUser()).isEqualTo("1000:1000");
        assertThat(spec.getEntrypointList()).containsExactly("/bin/sh");
        assertThat(spec.getLabelsMap()).containsEntry("k", "v");
        assertThat(spec.getAutoRemove()).isTrue();
        assertThat(spec.getRestart().getMode()).as("run's default").isEqualTo(RestartPolicy.Mode.NO);
        assertThat(spec.getConstraintsList()).isEmpty();
    }

    @Test
    void runTakesConstraintsToo() {
        WorkloadSpec spec = parse("--constraint", "node.name==n2", "busybox").buildSpec();
        assertThat(spec.getConstraints(0).getText()).isEqualTo("node.name==n2");
    }

    @Test
    void errorsStay125() {
        assertThatThrownBy(() -> parse("--rm", "--restart", "always", "busybox").buildSpec())
                .isInstanceOf(CliException.class).hasMessage("conflicting options: cannot specify both --restart and --rm")
                .satisfies(e -> assertThat(((CliException) e).exitCode()).isEqualTo(125));
        assertThatThrownBy(() -> parse("-m", "1k", "busybox").buildSpec()).hasMessageContaining("minimum memory limit");
        assertThatThrownBy(() -> parse("--constraint", "zone==a", "busybox").buildSpec()).hasMessageStartingWith("invalid constraint");
    }

    @Test
    void envFilesComeFirstAndMinusEWins(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        var file = dir.resolve("app.env");
        java.nio.file.Files.writeString(file, "# settings\n\nA=from-file\nB=two words \"quoted\"\n  C=3\nPATH\n");
        WorkloadSpec spec = parse("--env-file", file.toString(), "-e", "A=from-flag", "busybox").buildSpec();
        assertThat(spec.getEnvList()).containsExactly("A=from-file", "B=two words \"quoted\"", "C=3",
                "PATH=" + System.getenv("PATH"), "A=from-flag");

        var missing = dir.resolve("nope.env");
        assertThat(org.junit.jupiter.api.Assertions.assertThrows(io.gantry.ctl.cli.CliException.class,
                () -> parse("--env-file", missing.toString(), "busybox").buildSpec()).getMessage())
                .isEqualTo("invalid argument \"" + missing + "\" for \"--env-file\": no such file");
        java.nio.file.Files.writeString(file, "OK=1\n=bad\n");
        assertThat(org.junit.jupiter.api.Assertions.assertThrows(io.gantry.ctl.cli.CliException.class,
                () -> parse("--env-file", file.toString(), "busybox").buildSpec()).getMessage())
                .isEqualTo(file + " line 2: invalid environment variable \"=bad\": expected KEY=VALUE");
    }
}
