package io.gantry.ctl.cmd;

import io.gantry.ctl.cli.CliException;
import io.gantry.ctl.cli.JsonOutput;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.proto.Service;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code gantry service inspect}: the full service records as a JSON array, as Docker prints them. */
@Command(name = "inspect", description = "Display detailed information on one or more services (JSON).")
public final class ServiceInspectCommand implements Callable<Integer> {
    @ParentCommand
    ServiceCommand parent;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "SERVICE")
    List<String> refs;

    @Override
    public Integer call() {
        List<Service> objects = new ArrayList<>();
        String error = null;
        try (SchedulerClient client = parent.main.connect()) {
            for (String ref : refs) {
                try {
                    objects.add(Services.inspect(client, ref));
                } catch (CliException e) {
                    error = e.getMessage();
                }
            }
        }
        spec.commandLine().getOut().println(JsonOutput.array(objects));
        spec.commandLine().getOut().flush();
        if (error != null) {
            throw new CliException(error, 1);
        }
        return 0;
    }
}
