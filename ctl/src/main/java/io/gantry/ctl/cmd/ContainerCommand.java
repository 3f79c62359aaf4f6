package io.gantry.ctl.cmd;

import io.gantry.ctl.Main;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;


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
}
