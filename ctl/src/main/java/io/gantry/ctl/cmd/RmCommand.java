package io.gantry.ctl.cmd;

import io.gantry.proto.ControlGrpc;
import io.gantry.proto.RemoveRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code gantry rm}: remove containers (their root filesystem, logs and cgroups go with them). */
@Command(name = "rm", description = "Remove one or more containers.")
public final class RmCommand extends ContainerVerb {
    @Option(names = {"-f", "--force"}, description = "Force the removal of a running container (uses SIGKILL)")
    boolean force;

    @Override
    void apply(ControlGrpc.ControlBlockingStub s, String ref) {
        s.remove(RemoveRequest.newBuilder().setRef(ref).setForce(force).build());
    }
}
