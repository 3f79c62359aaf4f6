package io.gantry.ctl.cmd;

import io.gantry.proto.ControlGrpc;
import io.gantry.proto.PauseRequest;
import picocli.CommandLine.Command;

/** {@code gantry pause}: freezes every process (runc pause: the freezer cgroup). */
@Command(name = "pause", description = "Pause all processes within one or more containers.")
public final class PauseCommand extends ContainerVerb {
    @Override
    void apply(ControlGrpc.ControlBlockingStub s, String ref) {
        s.pause(PauseRequest.newBuilder().setRef(ref).build());
    }
}
