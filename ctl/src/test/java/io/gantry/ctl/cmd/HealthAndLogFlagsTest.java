package io.gantry.ctl.cmd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gantry.ctl.Main;
import io.gantry.ctl.cli.CliException;
import io.gantry.proto.HealthCheck;
import io.gantry.proto.WorkloadSpec;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** --health-*, --no-healthcheck, --log-opt, --stop-signal, -i/-t on run. */
class HealthAndLogFlagsTest {
    private static RunCommand parse(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setStopAtPositional(true);
        String[] all = new String[args.length + 1];
        all[0] = "run";
        System.arraycopy(args, 0, all, 1, args.length);
        return (RunCommand) cl.parseArgs(all).subcommand().commandSpec().userObject();
    }

    @Test
    void healthFlagsBuildDockersHealthcheck() {
        WorkloadSpec spec = parse("--health-cmd", "wget -q -O- localhost || exit 1", "--health-interval", "2s",
                "--health-timeout", "500ms", "--health-retries", "5", "--health-start-period", "10s",
                "--health-on-failure", "restart", "busybox").buildSpec();
        HealthCheck h = spec.getHealthcheck();
        assertThat(h.getTestList()).containsExactly("CMD-SHELL", "wget -q -O- localhost || exit 1");
        assertThat(h.getIntervalMs()).isEqualTo(2000);
        assertThat(h.getTimeoutMs()).isEqualTo(500);
        assertThat(h.getRetries()).isEqualTo(5);
        assertThat(h.getStartPeriodMs()).isEqualTo(10_000);
        assertThat(h.getOnFailure()).isEqualTo(HealthCheck.OnFailure.RESTART);
        assertThat(parse("--no-healthcheck", "busybox").buildSpec().getHealthcheck().getDisabled()).isTrue();
        assertThat(parse("busybox").buildSpec().hasHealthcheck()).as("the image's HEALTHCHECK applies").isFalse();
    }

    @Test
    void logOptionsStopSignalAndTerminalFlags() {
        WorkloadSpec spec = parse("--log-opt", "max-size=10m", "--log-opt", "max-file=3", "--stop-signal", "usr1",
                "-it", "busybox", "sh").buildSpec();
        assertThat(spec.getLogOptionsMap()).containsEntry("max-size", "10m").containsEntry("max-file", "3");
        assertThat(spec.getStopSignal()).isEqualTo("SIGUSR1");
        assertThat(spec.getTty()).isTrue();
        assertThat(spec.getOpenStdin()).isTrue();
    }

    @Test
    void badValuesAreOneLineUsageErrors() {
        assertBad("invalid argument \"soon\" for \"--health-interval\"", "--health-interval", "soon", "busybox");
        assertBad("--no-healthcheck conflicts with --health-* options", "--no-healthcheck", "--health-cmd", "true", "busybox");
        assertBad("invalid --health-on-failure \"explode\": use none, kill, restart or stop", "--health-on-failure", "explode", "busybox");
        assertBad("unknown log option \"colour\": use max-size or max-file", "--log-opt", "colour=red", "busybox");
        assertBad("invalid --log-opt max-file=0: expected a number from 1", "--log-opt", "max-file=0", "busybox");
        assertBad("invalid --log-opt \"max-size\": expected KEY=VALUE, e.g. max-size=10m", "--log-opt", "max-size", "busybox");
        assertBad("invalid --stop-signal", "--stop-signal", "SIGNOPE", "busybox");
        assertBad("--health-retries cannot be negative", "--health-retries", "-1", "busybox");
    }

    private static void assertBad(String message, String... args) {
        assertThatThrownBy(() -> parse(args).buildSpec()).isInstanceOf(CliException.class)
                .hasMessageStartingWith(message)
                .satisfies(e -> assertThat(((CliException) e).exitCode()).isEqualTo(125))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
}
