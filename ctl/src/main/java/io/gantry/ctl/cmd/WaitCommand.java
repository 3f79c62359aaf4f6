package io.gantry.ctl.cmd;

import io.gantry.ctl.Main;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.proto.WaitRequest;
import io.gantry.proto.Workload;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code gantry wait}: blocks until each container stops, then prints its exit code (Docker's order and output). */
@Command(name = "wait", description = "Block until one or more containers stop, then print their exit codes.")
public final class WaitCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "CONTAINER")
    List<String> refs;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<String> errors = new ArrayList<>();
        try (SchedulerClient client = main.connect()) {
            for (String ref : refs) {
                try {
                    Workload w = client.call(s -> s.wait(WaitRequest.newBuilder().setRef(ref).build()));
                    out.println(w.getExitCode());
                    out.flush();
                } catch (StatusRuntimeException e) {
                    errors.add(SchedulerClient.describe(e));
                }
            }
        }
        return Services.reportFailures(errors, refs.size(), spec.commandLine().getErr());
    }
}
