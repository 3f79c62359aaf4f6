package io.gantry.ctl.cmd;

import io.gantry.ctl.Main;
import io.gantry.ctl.cli.CliException;
import io.gantry.ctl.cli.JsonOutput;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.proto.InspectRequest;
import io.gantry.proto.Workload;
import io.grpc.StatusRuntimeException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code gantry inspect}: the full record of containers as a JSON array, as Docker prints it. */
@Command(name = "inspect", description = "Display detailed information on one or more containers (JSON).")
public final class InspectCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(arity = "1..*", paramLabel = "CONTAINER")
    List<String> refs;

    @Override
    public Integer call() {
        List<Workload> objects = new ArrayList<>();
        String error = null;
        try (SchedulerClient client = main.connect()) {
            for (String ref : refs) {
                try {
                    Workload w = client.call(s -> s.inspect(InspectRequest.newBuilder().setRef(ref).build()));
                    objects.add(w);
                } catch (StatusRuntimeException e) {
                    error = SchedulerClient.describe(e);
                }
            }
        }
        System.out.println(JsonOutput.array(objects));
        if (error != null) {
            throw new CliException(error, 1);
        }
        return 0;
    }
}
