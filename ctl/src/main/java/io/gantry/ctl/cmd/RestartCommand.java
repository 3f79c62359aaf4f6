package io.gantry.ctl.cmd;

import io.gantry.ctl.Main;
import io.gantry.proto.RestartRequest;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code gantry restart}: stop (stop signal, SIGKILL after the timeout) and start again on the same node. */
@Command(name = "restart", description = "Restart one or more containers.")
public final class RestartCommand implements Callable<Integer> {
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
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "invalid argument \"" + timeout + "\" for \"--time\": must not be negative");
        }
        return ForEach.run(main, spec, refs, (client, ref) ->
                client.call(s -> s.restart(RestartRequest.newBuilder().setRef(ref).setTimeoutSeconds(timeout).build())));
    }
}
