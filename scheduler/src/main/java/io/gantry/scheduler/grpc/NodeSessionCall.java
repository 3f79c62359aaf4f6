package io.gantry.scheduler.grpc;

import io.gantry.proto.SessionFrame;
import io.gantry.scheduler.core.SchedulerCore;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/** The scheduler's end of one CLI node session: the first frame opens it, later ones go to the agent as they are. */
final class NodeSessionCall implements StreamObserver<SessionFrame> {
    private final LeaderView leader;
    private final ServerCallStreamObserver<SessionFrame> out;
    private SchedulerCore.SessionHandle handle;
    private boolean failed;

    NodeSessionCall(LeaderView leader, ServerCallStreamObserver<SessionFrame> out) {
        this.leader = leader;
        this.out = out;
        // Only settable before the service method returns: it cancels whatever handle is open by then.
        out.setOnCancelHandler(this::cancelled);
    }

    private synchronized void cancelled() {
        failed = true;
        if (handle != null) {
            handle.cancel();
        }
    }

    @Override
    public synchronized void onNext(SessionFrame frame) {
        if (failed) {
            return;
        }
        if (handle != null) {
            if (frame.hasOpen()) {
                fail(Status.INVALID_ARGUMENT.withDescription("the session is already open"));
                return;
            }
            handle.forward(frame);
            return;
        }
        if (!frame.hasOpen()) {
            fail(Status.INVALID_ARGUMENT.withDescription("the first frame of a session must be an open"));
            return;
        }
        try {
            var core = leader.core().orElseThrow(leader::notLeader);
            handle = core.openSession(frame.getOpen(), out);
            if (handle == null) {
                failed = true; // the relay already failed the caller
                return;
            }
        } catch (RuntimeException e) {
            failed = true;
            out.onError(Errors.toStatus(e));
        }
    }

    private void fail(Status status) {
        failed = true;
        if (handle != null) {
            handle.cancel();
        }
        try {
            out.onError(status.asRuntimeException());
        } catch (RuntimeException ignored) {
            // gone
        }
    }

    @Override
    public synchronized void onError(Throwable t) {
        if (handle != null) {
            handle.cancel();
        }
    }

    @Override
    public void onCompleted() {
        // A half-close: the agent still answers (stdin's end is an explicit stdin_eof frame).
    }
}
