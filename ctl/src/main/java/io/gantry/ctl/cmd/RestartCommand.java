package io.gantry.ctl.cmd;

import io.gantry.proto.ControlGrpc;
import io.gantry.proto.RestartRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code gantry restart}: stop (stop signal, SIGKILL after the timeout) and start again on the same node. */
@Command(name = "restart", description = "Restart one or more containers.")
public final class RestartCommand extends ContainerVerb {
    @Option(names = {"-t", "--time"}, paramLabel = "SECONDS", description = "Seconds to wait before killing (default 10)")
    int timeout = 10;

    @Override
    void checkOptions() {
        if (timeout < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "invalid argument \"" + timeout + "\" for \"--time\": must not be negative");
        }
    }

    @Override
    void apply(ControlGrpc.ControlBlockingStub s, String ref) {
        s.restart(RestartRequest.newBuilder().setRef(ref).setTimeoutSeconds(timeout).build());
    }
}
