package io.gantry.ctl.cmd;

import io.gantry.ctl.cli.Humanize;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.ctl.cli.Table;
import io.gantry.proto.ContainerState;
import io.gantry.proto.DesiredState;
import io.gantry.proto.ListRequest;
import io.gantry.proto.Service;
import io.gantry.proto.Workload;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code gantry service ps}: a service's replicas, current ones first in each slot, like Docker's tasks. */
@Command(name = "ps", description = "List the replicas of a service, with where they run and why not.")
public final class ServicePsCommand implements Callable<Integer> {
    @ParentCommand
    ServiceCommand parent;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-q", "--quiet"}, description = "Only display replica (container) IDs")
    boolean quiet;

    @Parameters(paramLabel = "SERVICE")
    String ref;

    @Override
    public Integer call() {
        Service service;
        List<Workload> replicas;
        try (SchedulerClient client = parent.main.connect()) {
            service = Services.inspect(client, ref);
            replicas = replicas(client, service, true);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (quiet) {
            replicas.forEach(w -> out.println(w.getId()));
        } else {
            out.print(render(service, replicas, Instant.now()));
        }
        out.flush();
        return 0;
    }

    /** The service's replicas, filtered here too so that the answer is right whatever the server did with the filter. */
    static List<Workload> replicas(SchedulerClient client, Service service, boolean all) {
        ListRequest request = ListRequest.newBuilder().setAll(all).setService(service.getId()).build();
        List<Workload> out = new ArrayList<>();
        for (Workload w : client.call(s -> s.list(request)).getWorkloadsList()) {
            if (w.getService().equals(service.getId()) || w.getService().equals(service.getSpec().getName())) {
                out.add(w);
            }
        }
        return out;
    }

    static String render(Service service, List<Workload> replicas, Instant now) {
        List<Workload> sorted = new ArrayList<>(replicas);
        // by slot; within a slot the replica meant to run first, then older ones newest first
        sorted.sort(Comparator.comparingInt(Workload::getSlot)
                .thenComparing(w -> w.getDesired() != DesiredState.DESIRED_RUNNING)
                .thenComparing(Comparator.comparingLong(Workload::getCreatedAtMs).reversed()));
        Table t = new Table("ID", "NAME", "IMAGE", "NODE", "DESIRED STATE", "CURRENT STATE", "ERROR");
        int lastSlot = -1;
        for (Workload w : sorted) {
            String name = replicaName(service, w);
            if (w.getSlot() == lastSlot) {
                name = " \\_ " + name;
            }
            lastSlot = w.getSlot();
            String error = error(w);
            t.row(w.getId(), name, w.getSpec().getImage(), w.getNode().isEmpty() ? "-" : w.getNode(),
                    desiredState(w.getDesired()), currentState(w, now), error.isEmpty() ? "" : "\"" + error + "\"");
        }
        return t.render();
    }

    /** {@code web.2}, as Docker names tasks. */
    static String replicaName(Service service, Workload w) {
        if (w.getSlot() > 0) {
            return Services.displayName(service) + "." + w.getSlot();
        }
        return w.getSpec().getName();
    }

    static String desiredState(DesiredState d) {
        return switch (d) {
            case DESIRED_RUNNING -> "Running";
            case DESIRED_STOPPED -> "Shutdown";
            case DESIRED_REMOVED -> "Remove";
            default -> d.name();
        };
    }

    /** Docker's CURRENT STATE: the state and how long it has been so, e.g. {@code Running 5 minutes ago}. */
    static String currentState(Workload w, Instant now) {
        String word;
        long since;
        switch (w.getState()) {
            case PENDING -> {
                word = w.getNode().isEmpty() ? "Pending" : "Assigned";
                since = w.getCreatedAtMs();
            }
            case PULLING -> {
                word = "Preparing";
                since = w.getCreatedAtMs();
            }
            case STARTING -> {
                word = "Starting";
                since = w.getCreatedAtMs();
            }
            case RUNNING -> {
                word = "Running";
                since = w.getStartedAtMs();
            }
            case STOPPING -> {
                word = "Stopping";
                since = 0;
            }
            case EXITED -> {
                word = w.getDesired() != DesiredState.DESIRED_RUNNING ? "Shutdown" : w.getExitCode() == 0 ? "Complete" : "Failed";
                since = w.getFinishedAtMs();
            }
            case FAILED -> {
                word = "Failed";
                since = w.getFinishedAtMs() > 0 ? w.getFinishedAtMs() : w.getCreatedAtMs();
            }
            case REMOVED -> {
                word = "Removed";
                since = 0;
            }
            default -> {
                word = "Unknown";
                since = 0;
            }
        }
        if (since <= 0) {
            return word;
        }
        // restarts happen in place (same replica), so say so rather than hide them
        String restarts = w.getState() == ContainerState.RUNNING && w.getRestartCount() > 0 ? " (restarted " + w.getRestartCount() + "x)" : "";
        return word + " " + Humanize.duration(Duration.between(Instant.ofEpochMilli(since), now)).toLowerCase(Locale.ROOT) + " ago" + restarts;
    }

    /** Why a replica is not running: the placement reason, the failure, or Docker's non-zero exit. */
    static String error(Workload w) {
        return switch (w.getState()) {
            case PENDING -> PsCommand.pendingReason(w);
            case FAILED -> w.getReason();
            case EXITED -> w.getExitCode() != 0 && w.getDesired() == DesiredState.DESIRED_RUNNING
                    ? (w.getReason().isEmpty() ? "task: non-zero exit (" + w.getExitCode() + ")" : w.getReason()) : "";
            default -> "";
        };
    }
}
