package io.gantry.ctl.cmd;

import io.gantry.ctl.Main;
import io.gantry.proto.UnpauseRequest;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code gantry unpause}: thaws a paused container. */
@Command(name = "unpause", description = "Unpause all processes within one or more containers.")
public final class UnpauseCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "CONTAINER")
    List<String> refs;

    @Override
    public Integer call() {
        return ForEach.run(main, spec, refs, (client, ref) ->
                client.call(s -> s.unpause(UnpauseRequest.newBuilder().setRef(ref).build())));
    }
}
