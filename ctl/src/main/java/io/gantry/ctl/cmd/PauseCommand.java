package io.gantry.ctl.cmd;

import io.gantry.ctl.Main;
import io.gantry.proto.PauseRequest;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code gantry pause}: freezes every process (runc pause: the freezer cgroup). */
@Command(name = "pause", description = "Pause all processes within one or more containers.")
public final class PauseCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "CONTAINER")
    List<String> refs;

    @Override
    public Integer call() {
        return ForEach.run(main, spec, refs, (client, ref) ->
                client.call(s -> s.pause(PauseRequest.newBuilder().setRef(ref).build())));
    }
}
