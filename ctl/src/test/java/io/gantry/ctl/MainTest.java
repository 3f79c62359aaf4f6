package io.gantry.ctl;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** The whole command tree builds (no clashing options) and every command takes --help. */
class MainTest {
    private record Result(int exit, String out, String err) {
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out), new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void everyCommandIsRegisteredAndHasHelp() {
        CommandLine cl = new CommandLine(new Main());
        assertThat(cl.getSubcommands().keySet()).contains("run", "ps", "logs", "stop", "rm", "inspect", "service", "node",
                "dev", "scheduler", "agent", "local-cluster", "zookeeper", "hollow-nodes", "bench");
        assertThat(cl.getSubcommands().get("service").getSubcommands().keySet())
                .contains("create", "ls", "ps", "inspect", "scale", "update", "rm", "logs");
        assertThat(cl.getSubcommands().get("node").getSubcommands().keySet()).contains("ls", "inspect", "update", "drain", "activate");
        for (String[] args : new String[][] {{"run", "--help"}, {"service", "--help"}, {"service", "update", "--help"},
                {"node", "drain", "--help"}, {"local-cluster", "--help"}}) {
            Result r = run(args);
            assertThat(r.exit()).as(String.join(" ", args) + ": " + r.err()).isZero();
            assertThat(r.out()).startsWith("Usage: gantry " + args[0]);
        }
    }

    @Test
    void flagErrorsAreOneLineWithDockersCode() {
        Result r = run("service", "ls", "--bogus");
        assertThat(r.exit()).isEqualTo(125);
        assertThat(r.err()).isEqualTo("gantry service ls: Unknown option: '--bogus' (see 'gantry service ls --help')\n");
        Result missing = run("node");
        assertThat(missing.exit()).isEqualTo(125);
        assertThat(missing.err()).startsWith("gantry node: missing subcommand");
    }
}
