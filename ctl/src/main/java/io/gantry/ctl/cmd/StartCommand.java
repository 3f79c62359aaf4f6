package io.gantry.ctl.cmd;

import io.gantry.ctl.cli.CliException;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.proto.ContainerState;
import io.gantry.proto.ControlGrpc;
import io.gantry.proto.InspectRequest;
import io.gantry.proto.StartRequest;
import io.gantry.proto.WaitRequest;
import io.gantry.proto.Workload;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code gantry start}: a stopped container runs again on its node (a new container there: see Start RPC). */
@Command(name = "start", description = "Start one or more stopped containers.")
public final class StartCommand extends ContainerVerb {
    @Option(names = {"-a", "--attach"}, description = "Attach STDOUT/STDERR and forward signals; leave with its exit code")
    boolean attach;

    @Option(names = {"-i", "--interactive"}, description = "Attach container's STDIN")
    boolean interactive;

    @Override
    void apply(ControlGrpc.ControlBlockingStub s, String ref) {
        s.start(StartRequest.newBuilder().setRef(ref).build());
    }

    @Override
    public Integer call() {
        if (!attach && !interactive) {
            return super.call();
        }
        if (refs.size() != 1) {
            throw new CliException("you cannot start and attach multiple containers at once", RunCommand.EXIT_GANTRY_ERROR);
        }
        String ref = refs.getFirst();
        try (SchedulerClient client = main.connect()) {
            Workload started = client.call(s -> s.start(StartRequest.newBuilder().setRef(ref).build())).getWorkload();
            Workload w = awaitRunning(client, started);
            if (w.getState() == ContainerState.RUNNING) {
                int code = AttachCommand.attach(client, w, interactive && w.getSpec().getOpenStdin(), false);
                Workload done = client.call(s -> s.inspect(InspectRequest.newBuilder().setRef(w.getId()).build()));
                if (done.getState() != ContainerState.EXITED && done.getState() != ContainerState.FAILED) {
                    return code; // detached
                }
            }
            Workload done = client.call(s -> s.wait(WaitRequest.newBuilder().setRef(w.getId()).build()));
            return done.getExitCode();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        }
    }

    private static Workload awaitRunning(SchedulerClient client, Workload w) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            switch (w.getState()) {
                case RUNNING, EXITED, FAILED -> {
                    if (w.getStartedAtMs() > 0 || w.getState() != ContainerState.EXITED) {
                        return w;
                    }
                }
                default -> { }
            }
            Thread.sleep(20);
            String id = w.getId();
            w = client.call(s -> s.inspect(InspectRequest.newBuilder().setRef(id).build()));
        }
        throw new CliException("container " + w.getSpec().getName() + " did not start within 60 s");
    }
}
