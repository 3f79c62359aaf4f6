package io.gantry.scheduler.grpc;

import io.gantry.scheduler.core.SchedulerCore;
import io.grpc.StatusRuntimeException;
import java.util.Optional;

/** What the gRPC layer needs to know about leadership. */
public interface LeaderView {
    /** The current term's core, present only while this scheduler leads. */
    Optional<SchedulerCore> core();

    /** The error a non-leader answers with: a redirect to the leader, or UNAVAILABLE while there is none. */
    StatusRuntimeException notLeader();
}
