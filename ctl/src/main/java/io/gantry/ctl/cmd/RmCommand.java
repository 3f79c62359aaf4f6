package io.gantry.ctl.cmd;

import io.gantry.ctl.Main;
import io.gantry.proto.RemoveRequest;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.ParentCommand;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code gantry rm}: remove containers (their root filesystem, logs and cgroups go with them). */
@Command(name = "rm", description = "Remove one or more containers.")
public final class RmCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-f", "--force"}, description = "Force the removal of a running container (uses SIGKILL)")
    boolean force;

    @Parameters(arity = "1..*", paramLabel = "CONTAINER")
    List<String> refs;

    @Override
    public Integer call() {
        return ForEach.run(main, spec, refs, (client, ref) ->
                client.call(s -> s.remove(RemoveRequest.newBuilder().setRef(ref).setForce(force).build())));
    }
}
