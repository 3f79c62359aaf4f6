package io.gantry.agent.session;

import io.gantry.proto.SessionOpen;

/** Picks the handler for a SessionOpen (by its op); throws for what this node cannot do. */
@FunctionalInterface
public interface SessionHandlers {
    SessionHandler handlerFor(SessionOpen open) throws SessionException;

    /** For nodes that cannot serve sessions at all (the simulated runtime). */
    static SessionHandlers unsupported(String what) {
        return open -> {
            throw new SessionException(io.grpc.Status.Code.UNIMPLEMENTED, open.getOpCase().name().toLowerCase() + " is " + what);
        };
    }
}
