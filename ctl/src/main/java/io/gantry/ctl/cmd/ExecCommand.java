package io.gantry.ctl.cmd;

import io.gantry.ctl.Main;
import io.gantry.ctl.cli.CliException;
import io.gantry.ctl.cli.Flags;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.proto.ExecOp;
import io.gantry.proto.SessionOpen;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code gantry exec}: run a command in a running container, on whichever node it runs; leave with its exit code. */
@Command(name = "exec", description = "Execute a command in a running container.", sortOptions = false)
public final class ExecCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = {"-i", "--interactive"}, description = "Keep STDIN open")
    boolean interactive;

    @Option(names = {"-t", "--tty"}, description = "Allocate a pseudo-TTY")
    boolean tty;

    @Option(names = {"-e", "--env"}, paramLabel = "KEY=VALUE", description = "Set an environment variable")
    List<String> env = new ArrayList<>();

    @Option(names = "--env-file", paramLabel = "FILE", description = "Read environment variables from a file")
    List<Path> envFiles = new ArrayList<>();

    @Option(names = {"-u", "--user"}, paramLabel = "USER[:GROUP]", description = "Username or UID (format: <name|uid>[:<group|gid>])")
    String user;

    @Option(names = {"-w", "--workdir"}, paramLabel = "DIR", description = "Working directory inside the container")
    String workdir;

    @Option(names = "--privileged", description = "Give extended privileges to the command")
    boolean privileged;

    @Parameters(index = "0", paramLabel = "CONTAINER")
    String container;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "COMMAND", description = "Command and arguments")
    List<String> command = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        var exec = ExecOp.newBuilder().addAllCommand(command).setTty(tty).setStdin(interactive).setPrivileged(privileged);
        try {
            for (Path f : envFiles) {
                exec.addAllEnv(Flags.envFile(f, System.getenv()));
            }
            for (String e : env) {
                String kv = Flags.env(e, System.getenv());
                if (kv != null) {
                    exec.addEnv(kv);
                }
            }
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage(), RunCommand.EXIT_GANTRY_ERROR);
        }
        if (user != null) {
            exec.setUser(user);
        }
        if (workdir != null) {
            exec.setWorkingDir(workdir);
        }
        try (SchedulerClient client = main.connect()) {
            return new Interactive(interactive, tty, true).run(client, size -> SessionOpen.newBuilder()
                    .setContainer(container).setExec(exec.clone().setSize(size)).build());
        }
    }
}
