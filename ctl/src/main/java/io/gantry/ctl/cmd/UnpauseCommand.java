package io.gantry.ctl.cmd;

import io.gantry.proto.ControlGrpc;
import io.gantry.proto.UnpauseRequest;
import picocli.CommandLine.Command;

/** {@code gantry unpause}: thaws a paused container. */
@Command(name = "unpause", description = "Unpause all processes within one or more containers.")
public final class UnpauseCommand extends ContainerVerb {
    @Override
    void apply(ControlGrpc.ControlBlockingStub s, String ref) {
        s.unpause(UnpauseRequest.newBuilder().setRef(ref).build());
    }
}
