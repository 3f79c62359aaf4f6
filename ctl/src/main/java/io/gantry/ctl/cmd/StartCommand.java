package io.gantry.ctl.cmd;

import io.gantry.ctl.Main;
import io.gantry.proto.StartRequest;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code gantry start}: a stopped container runs again on its node (a new container there: see Start RPC). */
@Command(name = "start", description = "Start one or more stopped containers.")
public final class StartCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "CONTAINER")
    List<String> refs;

    @Override
    public Integer call() {
        return ForEach.run(main, spec, refs, (client, ref) ->
                client.call(s -> s.start(StartRequest.newBuilder().setRef(ref).build())));
    }
}
