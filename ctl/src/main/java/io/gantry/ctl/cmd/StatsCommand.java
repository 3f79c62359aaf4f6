package io.gantry.ctl.cmd;

import io.gantry.ctl.cli.NodeSession;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.proto.ContainerState;
import io.gantry.proto.ListRequest;
import io.gantry.proto.SessionExit;
import io.gantry.proto.SessionOpen;
import io.gantry.proto.StatsOp;
import io.gantry.proto.Workload;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code gantry stats}: live resource usage of containers, cluster-wide. Without names one session per ready node
 * streams every running container there; with names one session per container. CPU % needs two samples, so
 * {@code --no-stream} waits for the second (about a second) before it prints.
 */
@Command(name = "stats", description = "Display a live stream of container(s) resource usage statistics.")
public final class StatsCommand implements Callable<Integer> {
    static final String CLEAR = "\u001b[2J\u001b[H";

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--no-stream", description = "Disable streaming stats and only pull the first result")
    boolean noStream;

    @Parameters(arity = "0..*", paramLabel = "CONTAINER")
    List<String> containers = new ArrayList<>();

    Clock clock = Clock.systemUTC();
    /** How long --no-stream waits for every container's second sample. */
    Duration noStreamWait = Duration.ofMillis(2500);
    Duration refresh = Duration.ofSeconds(1);

    /** One open session and what it must deliver before --no-stream may print. */
    private record Target(String label, NodeSession session, Set<String> expected, boolean container) {
    }

    @Override
    public Integer call() throws InterruptedException {
        StatsBoard board = new StatsBoard(clock);
        PrintWriter out = spec.commandLine().getOut();
        var console = System.console();
        boolean terminal = console != null && console.isTerminal();
        List<Target> targets = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        try (SchedulerClient client = NodeFanout.main(spec).connect()) {
            try {
                open(client, board, targets);
                if (noStream) {
                    waitForTwoSamples(board, targets);
                    out.print(board.render());
                    out.flush();
                } else {
                    stream(board, targets, out, terminal);
                }
                // Only sessions that ended by themselves: closing the others below is no failure.
                for (Target t : targets) {
                    if (t.session().isDone()) {
                        SessionExit exit = t.session().awaitExit();
                        if (!exit.getError().isEmpty()) {
                            errors.add(t.container() ? exit.getError() : t.label() + ": " + exit.getError());
                        }
                    }
                }
            } finally {
                targets.forEach(t -> t.session().close());
            }
        }
        return Services.reportFailures(errors, targets.size(), spec.commandLine().getErr());
    }

    private void open(SchedulerClient client, StatsBoard board, List<Target> targets) {
        StatsOp op = StatsOp.newBuilder().setStream(true).build();
        if (containers.isEmpty()) {
            List<String> nodes = NodeFanout.targets(client, null);
            List<Workload> running = client.call(s -> s.list(ListRequest.getDefaultInstance())).getWorkloadsList().stream()
                    .filter(w -> w.getState() == ContainerState.RUNNING).toList();
            for (String node : nodes) {
                Set<String> expected = running.stream().filter(w -> w.getNode().equals(node)).map(Workload::getId)
                        .collect(Collectors.toSet());
                targets.add(new Target(node, NodeSession.open(client, SessionOpen.newBuilder().setNode(node).setStats(op).build(),
                        f -> {
                            if (f.hasStats()) {
                                board.add(f.getStats().getNode().isEmpty()
                                        ? f.getStats().toBuilder().setNode(node).build() : f.getStats());
                            }
                        }), expected, false));
            }
        } else {
            for (String c : containers) {
                Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
                targets.add(new Target(c, NodeSession.open(client, SessionOpen.newBuilder().setContainer(c).setStats(op).build(),
                        f -> {
                            if (f.hasStats()) {
                                seen.add(f.getStats().getWorkloadId());
                                board.add(f.getStats());
                            }
                        }), seen, true));
            }
        }
    }

    /** Until every expected container has two samples (or its session ended), at most {@link #noStreamWait}. */
    private void waitForTwoSamples(StatsBoard board, List<Target> targets) throws InterruptedException {
        long deadline = System.nanoTime() + noStreamWait.toNanos();
        while (System.nanoTime() < deadline) {
            boolean ready = targets.stream().allMatch(t -> t.session().isDone()
                    || (t.container() ? !t.expected().isEmpty() : true)
                    && t.expected().stream().allMatch(id -> board.samples(id) >= 2));
            if (ready) {
                return;
            }
            Thread.sleep(20);
        }
    }

    /** Redraws every {@link #refresh} (cleared screen on a terminal, successive tables otherwise) until all sessions end. */
    private void stream(StatsBoard board, List<Target> targets, PrintWriter out, boolean terminal) throws InterruptedException {
        while (true) {
            boolean allDone = targets.stream().allMatch(t -> t.session().isDone());
            board.dropStale();
            out.print((terminal ? CLEAR : "") + board.render());
            out.flush();
            if (allDone) {
                return;
            }
            long until = System.nanoTime() + refresh.toNanos();
            while (System.nanoTime() < until && !targets.stream().allMatch(t -> t.session().isDone())) {
                Thread.sleep(20);
            }
        }
    }
}
