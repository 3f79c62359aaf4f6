package io.gantry.ctl.cmd;

import io.gantry.ctl.Main;
import io.gantry.ctl.cli.CliException;
import io.gantry.proto.KillRequest;
import io.gantry.scheduler.core.Signals;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code gantry kill}: a signal to running containers; they exit as usual (their restart policy applies). */
@Command(name = "kill", description = "Kill one or more running containers.")
public final class KillCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-s", "--signal"}, paramLabel = "SIGNAL", description = "Signal to send (default KILL)")
    String signal = "KILL";

    @Parameters(arity = "1..*", paramLabel = "CONTAINER")
    List<String> refs;

    @Override
    public Integer call() {
        String canonical;
        try {
            canonical = Signals.canonical(signal);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage(), RunCommand.EXIT_GANTRY_ERROR); // nothing was sent
        }
        return ForEach.run(main, spec, refs, (client, ref) ->
                client.call(s -> s.kill(KillRequest.newBuilder().setRef(ref).setSignal(canonical).build())));
    }
}
