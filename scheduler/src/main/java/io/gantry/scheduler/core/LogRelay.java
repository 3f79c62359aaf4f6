package io.gantry.scheduler.core;

import io.gantry.proto.LogChunk;
import io.gantry.proto.LogEntry;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;

/** One caller's open log stream, fed by LogChunks from an agent. Closed exactly once. */
final class LogRelay {
    private final StreamObserver<LogEntry> caller;
    private boolean done;

    LogRelay(StreamObserver<LogEntry> caller) {
        this.caller = caller;
    }

    /** Returns true when the chunk closed the relay. */
    synchronized boolean accept(LogChunk chunk) {
        if (done) {
            return true;
        }
        try {
            for (LogEntry e : chunk.getEntriesList()) {
                caller.onNext(e);
            }
            if (chunk.getDone()) {
                done = true;
                if (chunk.getError().isEmpty()) {
                    caller.onCompleted();
                } else {
                    caller.onError(Status.UNKNOWN.withDescription(chunk.getError()).asRuntimeException());
                }
            }
        } catch (RuntimeException e) {
            done = true; // the caller went away (cancelled); the cancel handler tells the agent
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
