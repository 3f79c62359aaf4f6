package io.gantry.ctl.cmd;

import io.gantry.ctl.Main;
import io.gantry.ctl.cli.CliException;
import io.gantry.ctl.cli.Flags;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.image.ImageException;
import io.gantry.image.ImageReference;
import io.gantry.proto.ContainerState;
import io.gantry.proto.InspectRequest;
import io.gantry.proto.RemoveRequest;
import io.gantry.proto.Resources;
import io.gantry.proto.RestartPolicy;
import io.gantry.proto.RunRequest;
import io.gantry.proto.WaitRequest;
import io.gantry.proto.Workload;
import io.gantry.proto.WorkloadSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.util.ArrayList;
import java.util.List;
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

    @Option(names = {"-e", "--env"}, paramLabel = "KEY=VALUE", description = "Set an environment variable (KEY alone passes this shell's value)")
    List<String> env = new ArrayList<>();

    @Option(names = {"-m", "--memory"}, paramLabel = "BYTES", description = "Memory limit, e.g. 64m, 1g")
    String memory;

    @Option(names = "--cpus", paramLabel = "N", description = "Number of CPUs, e.g. 0.5")
    String cpus;

    @Option(names = "--pids-limit", paramLabel = "N", description = "Maximum number of processes (default: the node's, 4096)")
    Long pidsLimit;

    @Option(names = "--restart", paramLabel = "POLICY", description = "no | on-failure[:max-retries] | always | unless-stopped (default: no)")
    String restart = "no";

    @Option(names = {"-w", "--workdir"}, paramLabel = "DIR", description = "Working directory inside the container")
    String workdir;

    @Option(names = {"-u", "--user"}, paramLabel = "USER[:GROUP]", description = "User (name or uid) to run as")
    String user;

    @Option(names = "--entrypoint", paramLabel = "CMD", description = "Overwrite the image's entrypoint")
    String entrypoint;

    @Option(names = {"-l", "--label"}, paramLabel = "KEY=VALUE", description = "Set metadata on the container")
    List<String> labels = new ArrayList<>();

    @Parameters(index = "0", paramLabel = "IMAGE", description = "Image, e.g. busybox or 127.0.0.1:5000/app:1.0")
    String image;

    @Parameters(index = "1..*", paramLabel = "COMMAND", description = "Command and arguments")
    List<String> command = new ArrayList<>();

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
            return new AttachedRun(client, w, autoRemove).follow();
        }
    }

    WorkloadSpec buildSpec() {
        try {
            ImageReference.parse(image, "gantry.invalid");
        } catch (ImageException e) {
            throw new CliException(e.getMessage(), EXIT_GANTRY_ERROR);
        }
        try {
            Resources.Builder res = Resources.newBuilder();
            if (memory != null) {
                res.setMemoryBytes(Flags.memory("--memory", memory));
            }
            if (cpus != null) {
                res.setCpuMillis(Flags.cpuMillis(cpus));
            }
            if (pidsLimit != null) {
                res.setPidsLimit(Flags.pidsLimit(pidsLimit));
            }
            WorkloadSpec.Builder b = WorkloadSpec.newBuilder()
                    .setImage(image)
                    .addAllCommand(command)
                    .setResources(res)
                    .setRestart(Flags.restart(restart))
                    .setAutoRemove(autoRemove);
            if (name != null) {
                b.setName(name);
            }
            for (String e : env) {
                String kv = Flags.env(e, System.getenv());
                if (kv != null) {
                    b.addEnv(kv);
                }
            }
            if (workdir != null) {
                b.setWorkingDir(workdir);
            }
            if (user != null) {
                b.setUser(user);
            }
            if (entrypoint != null) {
                b.addEntrypoint(entrypoint);
            }
            for (String label : labels) {
                Flags.putLabel(b.getMutableLabels(), label);
            }
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

        AttachedRun(SchedulerClient client, Workload submitted, boolean autoRemove) {
            this.client = client;
            this.submitted = submitted;
            this.autoRemove = autoRemove;
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
            if (w.getState() != ContainerState.FAILED) {
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
