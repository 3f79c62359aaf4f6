package io.gantry.ctl.cmd;

import io.gantry.ctl.Main;
import io.gantry.proto.StopRequest;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.ParentCommand;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code gantry stop}: SIGTERM (or the image's stop signal), then SIGKILL after the timeout. */
@Command(name = "stop", description = "Stop one or more running containers.")
public final class StopCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-t", "--time"}, paramLabel = "SECONDS", description = "Seconds to wait before killing (default 10)")
    int timeout = 10;

    @Parameters(arity = "1..*", paramLabel = "CONTAINER")
    List<String> refs;

    @Override
    public Integer call() {
        if (timeout < 0) {
            throw new IllegalArgumentException("invalid argument \"" + timeout + "\" for \"--time\": must not be negative");
        }
        return ForEach.run(main, spec, refs, (client, ref) ->
                client.call(s -> s.stop(StopRequest.newBuilder().setRef(ref).setTimeoutSeconds(timeout).build())));
    }
}
