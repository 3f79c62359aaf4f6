package io.gantry.ctl.cmd;

import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.proto.RemoveServiceRequest;
import io.grpc.StatusRuntimeException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code gantry service rm}: removes services and, with them, their replicas. */
@Command(name = "rm", aliases = "remove", description = "Remove one or more services.")
public final class ServiceRmCommand implements Callable<Integer> {
    @ParentCommand
    ServiceCommand parent;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "SERVICE")
    List<String> refs;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<String> errors = new ArrayList<>();
        try (SchedulerClient client = parent.main.connect()) {
            for (String ref : refs) {
                try {
                    client.call(s -> s.removeService(RemoveServiceRequest.newBuilder().setRef(ref).build()));
                    out.println(ref);
                } catch (StatusRuntimeException e) {
                    errors.add(Services.describe(e, "service", ref));
                }
            }
        }
        out.flush();
        return Services.reportFailures(errors, refs.size(), spec.commandLine().getErr());
    }
}
