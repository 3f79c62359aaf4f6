package io.gantry.ctl.cmd;

import io.gantry.proto.ControlGrpc;
import io.gantry.proto.StartRequest;
import picocli.CommandLine.Command;

/** {@code gantry start}: a stopped container runs again on its node (a new container there: see Start RPC). */
@Command(name = "start", description = "Start one or more stopped containers.")
public final class StartCommand extends ContainerVerb {
    @Override
    void apply(ControlGrpc.ControlBlockingStub s, String ref) {
        s.start(StartRequest.newBuilder().setRef(ref).build());
    }
}
