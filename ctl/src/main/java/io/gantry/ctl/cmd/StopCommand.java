package io.gantry.ctl.cmd;

import io.gantry.proto.ControlGrpc;
import io.gantry.proto.StopRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code gantry stop}: SIGTERM (or the image's stop signal), then SIGKILL after the timeout. */
@Command(name = "stop", description = "Stop one or more running containers.")
public final class StopCommand extends ContainerVerb {
    @Option(names = {"-t", "--time"}, paramLabel = "SECONDS", description = "Seconds to wait before killing (default 10)")
    int timeout = 10;

    @Override
    void checkOptions() {
        if (timeout < 0) {
            throw new IllegalArgumentException("invalid argument \"" + timeout + "\" for \"--time\": must not be negative");
        }
    }

    @Override
    void apply(ControlGrpc.ControlBlockingStub s, String ref) {
        s.stop(StopRequest.newBuilder().setRef(ref).setTimeoutSeconds(timeout).build());
    }
}
