package io.gantry.ctl;

import io.gantry.ctl.bench.BenchCommand;
import io.gantry.ctl.bench.HollowNodesCommand;
import io.gantry.ctl.cli.CliException;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.ctl.cluster.LocalClusterCommand;
import io.gantry.ctl.cluster.ZooKeeperCommand;
import io.gantry.ctl.cmd.AgentCommand;
import io.gantry.ctl.cmd.ContainerCommand;
import io.gantry.ctl.cmd.KillCommand;
import io.gantry.ctl.cmd.PauseCommand;
import io.gantry.ctl.cmd.UnpauseCommand;
import io.gantry.ctl.cmd.RenameCommand;
import io.gantry.ctl.cmd.RestartCommand;
import io.gantry.ctl.cmd.StartCommand;
import io.gantry.ctl.cmd.DevCommand;
import io.gantry.ctl.cmd.InspectCommand;
import io.gantry.ctl.cmd.LogsCommand;
import io.gantry.ctl.cmd.NodeCommand;
import io.gantry.ctl.cmd.PsCommand;
import io.gantry.ctl.cmd.RmCommand;
import io.gantry.ctl.cmd.RunCommand;
import io.gantry.ctl.cmd.SchedulerCommand;
import io.gantry.ctl.cmd.ServiceCommand;
import io.gantry.ctl.cmd.StopCommand;
import io.grpc.StatusRuntimeException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.List;

/** The {@code gantry} command: Docker's verbs, for a whole cluster. */
@Command(name = "gantry",
        // INHERIT: every subcommand takes -h/--help too (the usage errors point there)
        scope = CommandLine.ScopeType.INHERIT,
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Run containers on a Gantry cluster.",
        subcommands = {
                RunCommand.class, PsCommand.class, LogsCommand.class, StopCommand.class, RmCommand.class,
                KillCommand.class, StartCommand.class, RestartCommand.class, RenameCommand.class,
                PauseCommand.class, UnpauseCommand.class, ContainerCommand.class,
                io.gantry.ctl.cmd.ExecCommand.class, io.gantry.ctl.cmd.AttachCommand.class,
                io.gantry.ctl.cmd.CpCommand.class, io.gantry.ctl.cmd.TopCommand.class, io.gantry.ctl.cmd.WaitCommand.class,
                io.gantry.ctl.cmd.LoginCommand.class, io.gantry.ctl.cmd.LogoutCommand.class,
                io.gantry.ctl.cmd.NetworkCommand.class, io.gantry.ctl.cmd.PortCommand.class,
                io.gantry.ctl.cmd.PullCommand.class, io.gantry.ctl.cmd.ImagesCommand.class, io.gantry.ctl.cmd.RmiCommand.class,
                io.gantry.ctl.cmd.TagCommand.class, io.gantry.ctl.cmd.ImageCommand.class, io.gantry.ctl.cmd.VolumeCommand.class,
                io.gantry.ctl.cmd.EventsCommand.class, io.gantry.ctl.cmd.StatsCommand.class,
                InspectCommand.class, ServiceCommand.class, NodeCommand.class,
                DevCommand.class, SchedulerCommand.class, AgentCommand.class,
                LocalClusterCommand.class, ZooKeeperCommand.class, HollowNodesCommand.class, BenchCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    /** Where the scheduler listens when nothing else is said. */
    public static final String DEFAULT_ADDR = "127.0.0.1:7070";

    @Option(names = "--addr", scope = CommandLine.ScopeType.INHERIT, paramLabel = "HOST:PORT[,HOST:PORT...]",
            description = "Scheduler address(es); default: $GANTRY_ADDR or " + DEFAULT_ADDR)
    String addr;

    @Option(names = "--log-format", scope = CommandLine.ScopeType.INHERIT, paramLabel = "text|json",
            description = "How daemons (scheduler, agent, dev) log: text lines, or one JSON object per line (default: text)")
    String logFormat = "text";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * Called by daemon commands once they know who they are: with {@code --log-format json}, every log line
     * becomes one JSON object carrying the component and node.
     */
    public void configureLogging(String component, String node) {
        if (logFormat.equals("text")) {
            return; // the default configuration (DefaultLogConfigurator)
        }
        try {
            io.gantry.telemetry.LogSetup.configure(logFormat, component, node);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command (see 'gantry --help')");
    }

    /** The scheduler addresses this invocation should use. */
    public List<String> addresses() {
        String value = addr != null ? addr : System.getenv("GANTRY_ADDR");
        if (value == null || value.isBlank()) {
            value = DEFAULT_ADDR;
        }
        try {
            return SchedulerClient.parseAddresses(value);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage(), 2);
        }
    }

    public SchedulerClient connect() {
        return new SchedulerClient(addresses());
    }

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI and returns its exit code (no System.exit, so tests can call it). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setStopAtPositional(true);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine sub = ex.getCommandLine();
            String name = sub.getCommandSpec().qualifiedName(" ");
            err.println(name + ": " + firstLine(ex.getMessage()) + " (see '" + name + " --help')");
            err.flush();
            // Docker's CLI leaves with 125 on any flag error: the command could not even be tried
            return RunCommand.EXIT_GANTRY_ERROR;
        });
        cl.setExecutionExceptionHandler((ex, c, parse) -> {
            int code = 1;
            String message;
            if (ex instanceof CliException ce) {
                code = ce.exitCode();
                message = ce.getMessage();
            } else if (ex instanceof StatusRuntimeException sre) {
                message = SchedulerClient.describe(sre);
            } else if (ex.getMessage() != null && !ex.getMessage().isBlank()) {
                // our own exceptions (ImageException, IllegalArgumentException, ...) carry a line for the user
                message = ex.getMessage();
            } else {
                message = ex.getClass().getSimpleName();
            }
            if (c.getCommandSpec().name().equals("run") && !(ex instanceof CliException)) {
                code = RunCommand.EXIT_GANTRY_ERROR;
            }
            err.println("gantry: " + firstLine(message));
            err.flush();
            return code;
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unknown error";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }

    /** Reads the version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"gantry " + (v == null ? "0.1.0-SNAPSHOT" : v)};
        }
    }
}
