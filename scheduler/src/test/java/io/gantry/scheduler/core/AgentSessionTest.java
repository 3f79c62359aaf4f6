package io.gantry.scheduler.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gantry.proto.LogEntry;
import io.gantry.proto.SchedulerMessage;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AgentSessionTest {

    /** The agent's end of the stream, as the scheduler sees it. */
    private static final class FakeAgentStream implements StreamObserver<SchedulerMessage> {
        final List<SchedulerMessage> sent = new CopyOnWriteArrayList<>();

        @Override
        public void onNext(SchedulerMessage m) {
            sent.add(m);
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
    }

    /** A `gantry logs` caller. */
    private static final class Caller implements StreamObserver<LogEntry> {
        final CompletableFuture<Status> ended = new CompletableFuture<>();

        @Override
        public void onNext(LogEntry e) {}

        @Override
        public void onError(Throwable t) {
            ended.complete(Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
            ended.complete(Status.OK);
        }
    }

    @Test
    void aLogOpenedAfterTheAgentDisconnectedFailsAtOnceInsteadOfHanging() throws Exception {
        // openLogs looks the session up under the core lock and opens the relay after releasing it;
        // the agent disconnecting in between must not leave the caller waiting forever.
        var agent = new FakeAgentStream();
        var session = new AgentSession("node-1", agent);
        session.ended();
        var caller = new Caller();
        assertFalse(session.openLog(1, new LogRelay(caller)));
        var status = caller.ended.get(1, TimeUnit.SECONDS);
        assertEquals(Status.Code.UNAVAILABLE, status.getCode());
        assertEquals("node node-1 is not connected", status.getDescription());
    }

    @Test
    void aLogOpenedBeforeTheAgentDisconnectsIsFailedByTheDisconnect() throws Exception {
        var session = new AgentSession("node-1", new FakeAgentStream());
        var caller = new Caller();
        assertTrue(session.openLog(1, new LogRelay(caller)));
        assertFalse(caller.ended.isDone());
        session.ended();
        var status = caller.ended.get(1, TimeUnit.SECONDS);
        assertEquals(Status.Code.UNAVAILABLE, status.getCode());
        assertEquals("node node-1 disconnected", status.getDescription());
    }
}
