package io.gantry.scheduler.core;

import io.gantry.proto.SessionFrame;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;

/** One CLI's node session (exec, cp, top...), fed by the agent's frames. Closed exactly once. */
final class SessionRelay {
    private final StreamObserver<SessionFrame> caller;
    private boolean done;

    SessionRelay(StreamObserver<SessionFrame> caller) {
        this.caller = caller;
    }

    /** Returns true when the frame ended the session (the agent's SessionExit). */
    synchronized boolean accept(SessionFrame frame) {
        if (done) {
            return true;
        }
        try {
            caller.onNext(frame.toBuilder().clearSessionId().build());
            if (frame.hasExit()) {
                done = true;
                caller.onCompleted();
            }
        } catch (RuntimeException e) {
            done = true; // the caller went away; its cancel handler tells the agent
        }
        return done;
    }

    synchronized void fail(Status status) {
        if (!done) {
            done = true;
            try {
                caller.onError(status.asRuntimeException());
            } catch (RuntimeException ignored) {
                // already cancelled
            }
        }
    }
}
