package io.gantry.ctl.cmd;

import io.gantry.ctl.Main;
import io.gantry.ctl.cli.CliException;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.proto.ContainerState;
import io.gantry.proto.InspectRequest;
import io.gantry.proto.RemoveRequest;
import io.gantry.proto.RestartPolicy;
import io.gantry.proto.RunRequest;
import io.gantry.proto.WaitRequest;
import io.gantry.proto.Workload;
import io.gantry.proto.WorkloadSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.util.concurrent.Callable;

/** {@code gantry run}: submit a container; without -d, stream its output and leave with its exit code. */
@Command(name = "run", description = "Run a command in a new container on the cluster.", sortOptions = false)
public final class RunCommand implements Callable<Integer> {
    /** Docker's code for "the daemon could not run it" (as opposed to the container's own code). */
    public static final int EXIT_GANTRY_ERROR = 125;

    @ParentCommand
    Main main;

    @Option(names = {"-d", "--detach"}, description = "Run in the background and print the container ID")
    boolean detach;

    @Option(names = "--rm", description = "Remove the container when it exits")
    boolean autoRemove;

    @Option(names = "--name", description = "Assign a name to the container")
    String name;

    @Option(names = {"-i", "--interactive"}, description = "Keep STDIN open even if not attached")
    boolean interactive;

    @Option(names = {"-t", "--tty"}, description = "Allocate a pseudo-TTY")
    boolean tty;

    @Mixin
    WorkloadFlags workload = new WorkloadFlags();

    @Mixin
    PlacementFlags placement = new PlacementFlags();

    @Override
    public Integer call() throws Exception {
        WorkloadSpec spec = buildSpec();
        try (SchedulerClient client = main.connect()) {
            Workload w = client.call(s -> s.run(RunRequest.newBuilder().setSpec(spec).setAttached(!detach).build())).getWorkload();
            if (detach) {
                System.out.println(w.getId());
                if (w.getNode().isEmpty() && !w.getReason().isEmpty()) {
                    System.err.println("gantry: container " + w.getSpec().getName() + " is pending: " + w.getReason());
                }
                return 0;
            }
            return new AttachedRun(client, w, autoRemove, interactive || tty, interactive).follow();
        }
    }

    WorkloadSpec buildSpec() {
        try {
            WorkloadSpec.Builder b = workload.toSpec("no", System.getenv()).setAutoRemove(autoRemove)
                    .setTty(tty).setOpenStdin(interactive);
            if (name != null) {
                b.setName(name);
            }
            placement.applyTo(b);
            if (autoRemove && b.getRestart().getMode() != RestartPolicy.Mode.NO) {
                throw new IllegalArgumentException("conflicting options: cannot specify both --restart and --rm");
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage(), EXIT_GANTRY_ERROR);
        }
    }

    /** Waits for the container to start, streams its output, then returns its exit code. */
    static final class AttachedRun {
        private static final boolean TRACE = System.getenv("GANTRY_TRACE") != null;
        private final long t0 = System.nanoTime();
        private final SchedulerClient client;
        private final Workload submitted;
        private final boolean autoRemove;
        /** -i or -t: attached to the main process (stdin, terminal) rather than following its log. */
        private final boolean attach;
        private final boolean stdin;

        AttachedRun(SchedulerClient client, Workload submitted, boolean autoRemove) {
            this(client, submitted, autoRemove, false, false);
        }

        AttachedRun(SchedulerClient client, Workload submitted, boolean autoRemove, boolean attach, boolean stdin) {
            this.client = client;
            this.submitted = submitted;
            this.autoRemove = autoRemove;
            this.attach = attach;
            this.stdin = stdin;
        }

        private void trace(String what) {
            if (TRACE) {
                System.err.printf("trace %6.1f ms %s%n", (System.nanoTime() - t0) / 1e6, what);
            }
        }

        int follow() throws InterruptedException {
            String id = submitted.getId();
            Workload w = awaitStarted(submitted);
            trace("started " + w.getState());
            if (w.getState() == ContainerState.PENDING) {
                // Nobody would be attached when it starts later: take it back, say why.
                // (`run -d` leaves such a workload pending, to start when a node has room.)
                forceRemove(id);
                throw new CliException("cannot run " + w.getSpec().getImage() + " now: " + w.getReason()
                        + " (use run -d to leave it pending until a node has room)", EXIT_GANTRY_ERROR);
            }
            if (attach && w.getState() == ContainerState.RUNNING) {
                var interactive = new Interactive(stdin, w.getSpec().getTty(), true);
                Workload started = w;
                interactive.run(client, size -> io.gantry.proto.SessionOpen.newBuilder().setContainer(started.getId())
                        .setAttach(io.gantry.proto.AttachOp.newBuilder().setStdin(stdin).setLogs(true).setSize(size)).build());
                if (interactive.detached()) {
                    System.err.println();
                    System.err.println("read escape sequence");
                    return 0; // still running: not waited for, not removed
                }
            } else if (w.getState() != ContainerState.FAILED) {
                LogPrinter.stream(client, id, true, -1, false);
            }
            trace("logs done");
            Workload done = client.call(s -> s.wait(WaitRequest.newBuilder().setRef(id).build()));
            trace("waited");
            try {
                return exitCode(done);
            } finally {
                if (autoRemove) {
                    forceRemove(id);
                    trace("removed");
                }
            }
        }

        private void forceRemove(String id) {
            client.call(s -> s.remove(RemoveRequest.newBuilder().setRef(id).setForce(true).build()));
        }

        /**
         * Polls (cheaply, on loopback) until the agent has started the container, it has
         * failed, or placement found no node.
         */
        private Workload awaitStarted(Workload w) throws InterruptedException {
            long sleep = 5;
            while (true) {
                switch (w.getState()) {
                    case RUNNING, EXITED, FAILED, STOPPING, REMOVED:
                        return w;
                    case PENDING:
                        if (w.getNode().isEmpty() && !w.getReason().isEmpty()) {
                            return w;
                        }
                        break;
                    default:
                        break;
                }
                Thread.sleep(sleep);
                sleep = Math.min(50, sleep * 2);
                String id = w.getId();
                w = client.call(s -> s.inspect(InspectRequest.newBuilder().setRef(id).build()));
            }
        }

        private static int exitCode(Workload w) {
            if (w.getState() == ContainerState.FAILED) {
                int code = w.getExitCode() != 0 ? w.getExitCode() : EXIT_GANTRY_ERROR;
                System.out.flush();
                System.err.println("gantry: " + (w.getReason().isEmpty() ? "container failed" : w.getReason()));
                return code;
            }
            return w.getExitCode();
        }
    }
}
