package io.gantry.ctl.cmd;

import io.gantry.ctl.cli.CliException;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.proto.Service;
import io.gantry.proto.Workload;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code gantry service logs}: the output of every replica, merged, each line saying whose it is. */
@Command(name = "logs", description = "Fetch the logs of all replicas of a service.")
public final class ServiceLogsCommand implements Callable<Integer> {
    @ParentCommand
    ServiceCommand parent;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-f", "--follow"}, description = "Follow log output until the replicas exit")
    boolean follow;

    @Option(names = {"-n", "--tail"}, paramLabel = "N", description = "Number of lines to show from the end of each replica's log (default: all)")
    String tail = "all";

    @Option(names = {"-t", "--timestamps"}, description = "Show timestamps")
    boolean timestamps;

    @Parameters(paramLabel = "SERVICE")
    String ref;

    @Override
    public Integer call() {
        int lines;
        try {
            lines = LogsCommand.parseTail(tail);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage(), RunCommand.EXIT_GANTRY_ERROR);
        }
        try (SchedulerClient client = parent.main.connect()) {
            Service service = Services.inspect(client, ref);
            // -a: a replica that exited (or was replaced) still has its say, as in Docker
            // (one never placed has no output anywhere)
            List<Workload> replicas = ServicePsCommand.replicas(client, service, true).stream()
                    .filter(w -> !w.getNode().isEmpty())
                    .sorted(Comparator.comparingInt(Workload::getSlot).thenComparingLong(Workload::getCreatedAtMs))
                    .toList();
            ServiceLogs logs = new ServiceLogs(client, spec.commandLine().getOut(), spec.commandLine().getErr(), follow, lines, timestamps);
            int failed = logs.run(ServiceLogs.sources(service, replicas));
            if (failed > 0) {
                throw new CliException("could not read the logs of " + failed + " of " + replicas.size() + " replicas", 1);
            }
        }
        return 0;
    }
}
