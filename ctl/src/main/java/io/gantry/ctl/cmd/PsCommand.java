package io.gantry.ctl.cmd;

import io.gantry.ctl.Main;
import io.gantry.ctl.cli.Humanize;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.ctl.cli.Table;
import io.gantry.proto.ListRequest;
import io.gantry.proto.Workload;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code gantry ps}: containers across the cluster, with the node each runs on. */
@Command(name = "ps", description = "List containers.")
public final class PsCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-a", "--all"}, description = "Show all containers (default shows just running and pending)")
    boolean all;

    @Option(names = {"-q", "--quiet"}, description = "Only display container IDs")
    boolean quiet;

    @Override
    public Integer call() {
        List<Workload> workloads;
        try (SchedulerClient client = main.connect()) {
            workloads = new ArrayList<>(client.call(s -> s.list(ListRequest.newBuilder().setAll(all).build())).getWorkloadsList());
        }
        workloads.sort(Comparator.comparingLong(Workload::getCreatedAtMs).reversed());
        // the command's own writer (System.out when run as `gantry`), so that in-process callers see it
        java.io.PrintWriter out = spec.commandLine().getOut();
        if (quiet) {
            workloads.forEach(w -> out.println(w.getId()));
            out.flush();
            return 0;
        }
        Instant now = Instant.now();
        Table t = new Table("CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NODE", "NAMES");
        for (Workload w : workloads) {
            t.row(w.getId(), w.getSpec().getImage(), command(w),
                    Humanize.duration(Duration.between(Instant.ofEpochMilli(w.getCreatedAtMs()), now)) + " ago",
                    status(w, now), ports(w), w.getNode().isEmpty() ? "-" : w.getNode(), w.getSpec().getName());
        }
        out.print(t.render());
        out.flush();
        return 0;
    }

    /** Docker's PORTS column: what the agent published (chosen host ports included), else what was asked. */
    static String ports(Workload w) {
        var ports = w.getPublishedPortsCount() > 0 ? w.getPublishedPortsList() : w.getSpec().getPortsList();
        if (ports.isEmpty()) {
            return "";
        }
        return String.join(", ", ports.stream().map(p -> (p.getHostIp().isEmpty() ? "0.0.0.0" : p.getHostIp()) + ":"
                + (p.getHostPort() == 0 ? "?" : Integer.toString(p.getHostPort())) + "->" + p.getContainerPort() + "/"
                + (p.getProtocol().isEmpty() ? "tcp" : p.getProtocol())).toList());
    }

    private static String command(Workload w) {
        List<String> parts = new ArrayList<>(w.getSpec().getEntrypointList());
        parts.addAll(w.getSpec().getCommandList());
        String c = String.join(" ", parts);
        if (c.length() > 20) {
            c = c.substring(0, 19) + "…";
        }
        return "\"" + c + "\"";
    }

    /** Docker's STATUS column, plus the reason a workload is pending or failed. */
    public static String status(Workload w, Instant now) {
        return switch (w.getState()) {
            case RUNNING -> "Up " + Humanize.duration(Duration.between(Instant.ofEpochMilli(w.getStartedAtMs()), now))
                    + health(w) + (w.getRestartCount() > 0 ? " (restarted " + w.getRestartCount() + "x)" : "");
            case PAUSED -> "Up " + Humanize.duration(Duration.between(Instant.ofEpochMilli(w.getStartedAtMs()), now)) + " (Paused)";
            case EXITED -> "Exited (" + w.getExitCode() + ") "
                    + Humanize.duration(Duration.between(Instant.ofEpochMilli(w.getFinishedAtMs()), now)) + " ago";
            case FAILED -> "Failed: " + w.getReason();
            case PENDING -> pendingReason(w).isEmpty() ? "Pending" : "Pending: " + pendingReason(w);
            case PULLING -> "Pulling image";
            case STARTING -> "Starting";
            case STOPPING -> "Stopping";
            case REMOVED -> "Removed";
            default -> w.getState().name();
        };
    }

    /** Docker's health suffix: " (health: starting)", " (healthy)", " (unhealthy)". */
    static String health(Workload w) {
        return switch (w.getHealth()) {
            case HEALTH_STARTING -> " (health: starting)";
            case HEALTHY -> " (healthy)";
            case UNHEALTHY -> " (unhealthy)";
            default -> "";
        };
    }

    /**
     * Why a workload waits: the scheduler's one-line reason, or else what each node said
     * (the full list is in {@code gantry inspect}).
     */
    public static String pendingReason(Workload w) {
        if (!w.getReason().isEmpty() || w.getRejectionsCount() == 0) {
            return w.getReason();
        }
        StringBuilder b = new StringBuilder("no node fits: ");
        int shown = Math.min(3, w.getRejectionsCount());
        for (int i = 0; i < shown; i++) {
            var r = w.getRejections(i);
            b.append(i == 0 ? "" : "; ").append(r.getNode()).append(": ").append(r.getReason());
        }
        if (w.getRejectionsCount() > shown) {
            b.append("; and ").append(w.getRejectionsCount() - shown).append(" more (see gantry inspect)");
        }
        return b.toString();
    }
}
