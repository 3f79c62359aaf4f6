package io.gantry.ctl.cmd;

import io.gantry.ctl.Main;
import io.gantry.ctl.cli.SchedulerClient;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import picocli.CommandLine;

/**
 * Applies one call to each container like {@code docker stop a b c}: all are tried, each one done is printed
 * (on the command's own writer, so that tests see it), and each failure is a line.
 */
final class ForEach {
    private ForEach() {
    }

    static int run(Main main, CommandLine.Model.CommandSpec spec, List<String> refs,
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
