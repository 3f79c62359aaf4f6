package io.gantry.ctl.cmd;

import io.gantry.ctl.Main;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.proto.ControlGrpc;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * A verb applied to each named container, as {@code docker stop a b c} does: all are tried, each one done is
 * printed (on the command's own writer, so that tests see it), and each failure is a line.
 */
abstract class ContainerVerb implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "CONTAINER")
    List<String> refs;

    /** Checks the verb's own options before anything is sent; a bad value fails the whole command. */
    void checkOptions() {
    }

    /** The call for one container, on the leader. */
    abstract void apply(ControlGrpc.ControlBlockingStub scheduler, String ref);

    @Override
    public Integer call() {
        checkOptions();
        PrintWriter out = spec.commandLine().getOut();
        List<String> errors = new ArrayList<>();
        try (SchedulerClient client = main.connect()) {
            for (String ref : refs) {
                try {
                    client.call(s -> {
                        apply(s, ref);
                        return null;
                    });
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
