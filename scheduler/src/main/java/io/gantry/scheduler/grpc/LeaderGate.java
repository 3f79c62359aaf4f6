package io.gantry.scheduler.grpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/** Followers answer every call with the redirect before any service code runs. */
public final class LeaderGate implements ServerInterceptor {
    private final LeaderView leader;

    public LeaderGate(LeaderView leader) {
        this.leader = leader;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (leader.core().isPresent()) {
            return next.startCall(call, headers);
        }
        var e = leader.notLeader();
        call.close(e.getStatus(), e.getTrailers() == null ? new Metadata() : e.getTrailers());
        return new ServerCall.Listener<>() {};
    }
}
