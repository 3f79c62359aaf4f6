package io.gantry.ctl.cmd;

import io.gantry.ctl.Main;
import io.gantry.ctl.cli.CliException;
import io.gantry.scheduler.SchedulerConfig;
import io.gantry.scheduler.SchedulerServer;
import io.grpc.StatusRuntimeException;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A real scheduler (embedded ZooKeeper) with fake agents, and the {@code gantry} command line with the node-session
 * commands registered (as Main will register them), run in-process.
 */
final class NodeCli implements AutoCloseable {
    final Path dir;
    final SchedulerServer server;
    final Map<String, FakeNodeAgent> agents = new LinkedHashMap<>();

    record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    NodeCli(String... nodes) throws Exception {
        dir = Files.createTempDirectory("gantry-ctl-nodecli");
        server = SchedulerServer.start(SchedulerConfig.defaults(dir).withListen("127.0.0.1", 0), Clock.systemUTC());
        if (!server.awaitLeadership(Duration.ofSeconds(20))) {
            throw new AssertionError("the scheduler did not lead");
        }
        for (String n : nodes) {
            agents.put(n, new FakeNodeAgent(server.address(), n).awaitRegistered());
        }
    }

    FakeNodeAgent agent(String name) {
        return agents.get(name);
    }

    /** Every agent answers with the same script. */
    void script(FakeNodeAgent.Script script) {
        agents.values().forEach(a -> a.script = script);
    }

    /** The gantry command, as Main.execute builds it. */
    static CommandLine commandLine() {
        return new CommandLine(new Main());
    }

    Result run(String... args) {
        return run(commandLine(), args);
    }

    /** Runs {@code cl} with Main.execute's handlers (copied: Main builds its own CommandLine). */
    Result run(CommandLine cl, String... args) {
        List<String> all = new ArrayList<>(List.of("--addr", server.address()));
        all.addAll(List.of(args));
        return execute(cl, all.toArray(String[]::new));
    }

    static Result execute(CommandLine cl, String... args) {
        StringWriter outText = new StringWriter();
        StringWriter errText = new StringWriter();
        PrintWriter out = new PrintWriter(outText);
        PrintWriter err = new PrintWriter(errText);
        cl.setOut(out);
        cl.setErr(err);
        cl.setStopAtPositional(true);
        cl.setParameterExceptionHandler((ex, a) -> {
            String name = ex.getCommandLine().getCommandSpec().qualifiedName(" ");
            err.println(name + ": " + ex.getMessage().lines().findFirst().orElse("") + " (see '" + name + " --help')");
            return RunCommand.EXIT_GANTRY_ERROR;
        });
        cl.setExecutionExceptionHandler((ex, c, parse) -> {
            int code = 1;
            String message = ex.getMessage();
            if (ex instanceof CliException ce) {
                code = ce.exitCode();
            } else if (ex instanceof StatusRuntimeException sre) {
                message = io.gantry.ctl.cli.SchedulerClient.describe(sre);
            }
            err.println("gantry: " + (message == null ? ex.getClass().getSimpleName() : message.lines().findFirst().orElse("")));
            return code;
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return new Result(code, outText.toString(), errText.toString());
    }

    @Override
    public void close() throws Exception {
        for (FakeNodeAgent a : agents.values()) {
            a.close();
        }
        server.close();
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
