package io.gantry.scheduler.core;

import io.gantry.proto.LogCancel;
import io.gantry.proto.LogChunk;
import io.gantry.proto.SchedulerMessage;
import io.gantry.proto.SessionFrame;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** One connected agent's stream. Sends are serialized because gRPC observers are not thread safe. */
public final class AgentSession {
    private final String nodeName;
    private final StreamObserver<SchedulerMessage> out;
    private final Map<Long, LogRelay> logs = new ConcurrentHashMap<>();
    private final Map<Long, SessionRelay> nodeSessions = new ConcurrentHashMap<>();
    private boolean closed;

    public AgentSession(String nodeName, StreamObserver<SchedulerMessage> out) {
        this.nodeName = nodeName;
        this.out = out;
    }

    public String nodeName() {
        return nodeName;
    }

    synchronized void send(SchedulerMessage message) {
        if (closed) {
            return;
        }
        try {
            out.onNext(message);
        } catch (RuntimeException e) {
            closed = true; // stream already cancelled by the agent side; its onError path cleans up
        }
    }

    /** Ends the stream from the scheduler side, e.g. after a heartbeat timeout or lost leadership. */
    synchronized void close(Status status) {
        if (closed) {
            return;
        }
        closed = true;
        try {
            out.onError(status.asRuntimeException());
        } catch (RuntimeException ignored) {
            // already gone
        }
        failLogs(status);
    }

    /** The agent's side ended. */
    synchronized void ended() {
        closed = true;
        failLogs(Status.UNAVAILABLE.withDescription("node " + nodeName + " disconnected"));
    }

    /**
     * Registers the relay, or fails it at once when the stream already ended: the caller looked the session up
     * under the core lock but gets here after it, and ended()/close() have failed every relay they could see.
     * Returns whether the relay is open (only then is the LogRequest worth sending).
     */
    synchronized boolean openLog(long requestId, LogRelay relay) {
        if (closed) {
            relay.fail(Status.UNAVAILABLE.withDescription("node " + nodeName + " is not connected"));
            return false;
        }
        logs.put(requestId, relay);
        return true;
    }

    /** Caller cancelled: forget the relay and tell the agent to stop sending. */
    void cancelLog(long requestId) {
        if (logs.remove(requestId) != null) {
            send(SchedulerMessage.newBuilder().setLogCancel(LogCancel.newBuilder().setRequestId(requestId)).build());
        }
    }

    void relay(LogChunk chunk) {
        var relay = logs.get(chunk.getRequestId());
        if (relay != null && relay.accept(chunk)) {
            logs.remove(chunk.getRequestId());
        }
    }

    /** Like {@link #openLog}: registers a node session's relay unless the stream already ended. */
    synchronized boolean openSession(long sessionId, SessionRelay relay) {
        if (closed) {
            relay.fail(Status.UNAVAILABLE.withDescription("node " + nodeName + " is not connected"));
            return false;
        }
        nodeSessions.put(sessionId, relay);
        return true;
    }

    /** A CLI frame for an open session: to the agent, tagged with the session. */
    void forward(long sessionId, SessionFrame frame) {
        if (nodeSessions.containsKey(sessionId)) {
            send(SchedulerMessage.newBuilder().setSession(frame.toBuilder().setSessionId(sessionId)).build());
        }
    }

    /** The CLI went away: forget the relay and tell the agent to end what the session started. */
    void cancelSession(long sessionId) {
        if (nodeSessions.remove(sessionId) != null) {
            send(SchedulerMessage.newBuilder().setSession(SessionFrame.newBuilder().setSessionId(sessionId)
                    .setCancel(true)).build());
        }
    }

    void relay(SessionFrame frame) {
        var relay = nodeSessions.get(frame.getSessionId());
        if (relay != null && relay.accept(frame)) {
            nodeSessions.remove(frame.getSessionId());
        }
    }

    private void failLogs(Status status) {
        for (var id : nodeSessions.keySet()) {
            var relay = nodeSessions.remove(id);
            if (relay != null) {
                relay.fail(status);
            }
        }
        for (var id : logs.keySet()) {
            var relay = logs.remove(id);
            if (relay != null) {
                relay.fail(status);
            }
        }
    }
}
