package io.gantry.ctl.cmd;

import io.gantry.ctl.cli.CliException;
import io.gantry.proto.ControlGrpc;
import io.gantry.proto.KillRequest;
import io.gantry.scheduler.core.Signals;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code gantry kill}: a signal to running containers; they exit as usual (their restart policy applies). */
@Command(name = "kill", description = "Kill one or more running containers.")
public final class KillCommand extends ContainerVerb {
    @Option(names = {"-s", "--signal"}, paramLabel = "SIGNAL", description = "Signal to send (default KILL)")
    String signal = "KILL";

    private String canonical;

    @Override
    void checkOptions() {
        try {
            canonical = Signals.canonical(signal);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage(), RunCommand.EXIT_GANTRY_ERROR); // nothing was sent
        }
    }

    @Override
    void apply(ControlGrpc.ControlBlockingStub s, String ref) {
        s.kill(KillRequest.newBuilder().setRef(ref).setSignal(canonical).build());
    }
}
