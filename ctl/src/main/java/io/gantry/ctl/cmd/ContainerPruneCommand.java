package io.gantry.ctl.cmd;

import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.proto.ContainerState;
import io.gantry.proto.ListRequest;
import io.gantry.proto.RemoveRequest;
import io.gantry.proto.Workload;
import io.grpc.StatusRuntimeException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code gantry container prune}: removes every finished plain container (service replicas are the service's).
 * Done with List + Remove, so it needs nothing new from the scheduler.
 */
@Command(name = "prune", description = "Remove all stopped containers.")
public final class ContainerPruneCommand implements Callable<Integer> {
    @ParentCommand
    ContainerCommand parent;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-f", "--force"}, description = "Do not prompt for confirmation")
    boolean force;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        if (!force) {
            out.print("WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ");
            out.flush();
            String answer = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            if (answer == null || !(answer.strip().equalsIgnoreCase("y") || answer.strip().equalsIgnoreCase("yes"))) {
                return 0;
            }
        }
        List<String> errors = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        try (SchedulerClient client = parent.main.connect()) {
            List<Workload> all = client.call(s -> s.list(ListRequest.newBuilder().setAll(true).build())).getWorkloadsList();
            for (Workload w : all) {
                if (!isPrunable(w)) {
                    continue;
                }
                try {
                    client.call(s -> s.remove(RemoveRequest.newBuilder().setRef(w.getId()).build()));
                    removed.add(w.getId());
                } catch (StatusRuntimeException e) {
                    if (e.getStatus().getCode() != io.grpc.Status.Code.NOT_FOUND) { // gone meanwhile is fine
                        errors.add(SchedulerClient.describe(e));
                    }
                }
            }
        }
        if (!removed.isEmpty()) {
            out.println("Deleted Containers:");
            removed.forEach(out::println);
        }
        out.flush();
        return Services.reportFailures(errors, errors.size() + removed.size(), spec.commandLine().getErr());
    }

    static boolean isPrunable(Workload w) {
        return w.getService().isEmpty()
                && (w.getState() == ContainerState.EXITED || w.getState() == ContainerState.FAILED);
    }
}
