package io.gantry.ctl.cmd;

import io.gantry.ctl.Main;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.proto.RenameRequest;
import io.gantry.scheduler.core.SpecValidator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code gantry rename OLD NEW}. Prints nothing on success, like Docker. */
@Command(name = "rename", description = "Rename a container.")
public final class RenameCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CONTAINER")
    String ref;

    @Parameters(index = "1", paramLabel = "NEW_NAME")
    String newName;

    @Override
    public Integer call() {
        if (!SpecValidator.NAME.matcher(newName).matches()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "invalid container name \"" + newName
                    + "\": only [a-zA-Z0-9][a-zA-Z0-9_.-]* are allowed");
        }
        try (SchedulerClient client = main.connect()) {
            client.call(s -> s.rename(RenameRequest.newBuilder().setRef(ref).setNewName(newName).build()));
        }
        return 0;
    }
}
