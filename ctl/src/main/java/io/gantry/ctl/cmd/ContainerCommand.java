package io.gantry.ctl.cmd;

import io.gantry.ctl.Main;
import io.gantry.ctl.cli.SchedulerClient;
import io.grpc.StatusRuntimeException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/** {@code gantry container ...}: management verbs on plain containers (for now: prune). */
@Command(name = "container", description = "Manage containers.", subcommands = {ContainerPruneCommand.class})
public final class ContainerCommand implements Runnable {
    @ParentCommand
    Main main;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand (prune)");
    }

    /**
     * Applies one call to each container like {@code docker kill a b c}: all are tried, each one done is printed
     * (on the command's own writer, so that tests see it), and each failure is a line.
     */
    static int forEach(Main main, CommandLine.Model.CommandSpec spec, List<String> refs,
                       BiConsumer<SchedulerClient, String> action) {
        PrintWriter out = spec.commandLine().getOut();
        List<String> errors = new ArrayList<>();
        try (SchedulerClient client = main.connect()) {
            for (String ref : refs) {
                try {
                    action.accept(client, ref);
                    out.println(ref);
                } catch (StatusRuntimeException e) {
                    errors.add(SchedulerClient.describe(e));
                }
            }
        }
        out.flush();
        return Services.reportFailures(errors, refs.size(), spec.commandLine().getErr());
    }
}
