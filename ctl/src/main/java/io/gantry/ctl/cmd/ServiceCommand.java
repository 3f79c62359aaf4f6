package io.gantry.ctl.cmd;

import io.gantry.ctl.Main;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code gantry service ...}: replicated services, kept at N replicas and updated rolling. */
@Command(name = "service", description = "Manage replicated services.",
        subcommands = {ServiceCreateCommand.class, ServiceLsCommand.class, ServicePsCommand.class,
                ServiceInspectCommand.class, ServiceScaleCommand.class, ServiceUpdateCommand.class,
                ServiceRmCommand.class, ServiceLogsCommand.class})
public final class ServiceCommand implements Runnable {
    @ParentCommand
    Main main;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand (create, ls, ps, inspect, scale, update, rm, logs)");
    }
}
