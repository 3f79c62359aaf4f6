package io.gantry.agent.session;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.gantry.proto.ExecOp;
import io.gantry.proto.SessionExit;
import io.gantry.proto.SessionFrame;
import io.gantry.proto.SessionOpen;
import io.gantry.proto.TopOp;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The routing alone, with handlers written in the test: no runc. */
class SessionRouterTest {
    private final List<SessionFrame> sent = new CopyOnWriteArrayList<>();

    private static SessionFrame open(long id, SessionOpen.Builder open) {
        return SessionFrame.newBuilder().setSessionId(id).setOpen(open).build();
    }

    private static SessionOpen.Builder exec() {
        return SessionOpen.newBuilder().setContainer("c").setExec(ExecOp.newBuilder().addCommand("x"));
    }

    private List<SessionExit> exits(long id) {
        return sent.stream().filter(f -> f.getSessionId() == id && f.hasExit()).map(SessionFrame::getExit).toList();
    }

    @Test
    void echoesStdinBackAndEndsWithOneExitAfterEof() {
        SessionRouter router = new SessionRouter(open -> session -> {
            while (true) {
                SessionFrame f = session.next();
                if (f.hasStdin()) {
                    session.send(SessionFrame.newBuilder().setStdout(f.getStdin()));
                } else if (f.getStdinEof()) {
                    return 4;
                }
            }
        }, sent::add);
        router.onFrame(open(7, exec()));
        router.onFrame(SessionFrame.newBuilder().setSessionId(7).setStdin(ByteString.copyFromUtf8("hi")).build());
        router.onFrame(SessionFrame.newBuilder().setSessionId(99).setStdin(ByteString.copyFromUtf8("lost")).build());
        router.onFrame(SessionFrame.newBuilder().setSessionId(7).setStdinEof(true).build());
        await().atMost(Duration.ofSeconds(5)).until(() -> exits(7).size() == 1);
        assertEquals("hi", sent.getFirst().getStdout().toStringUtf8());
        assertEquals(7, sent.getFirst().getSessionId());
        assertEquals(4, exits(7).getFirst().getExitCode());
        assertEquals(SessionFrame.BodyCase.EXIT, sent.getLast().getBodyCase(), "the exit is the last frame");
        await().until(() -> router.active() == 0);
    }

    @Test
    void cancelRunsCleanUpOnceAndEndsWithCancelled() throws Exception {
        AtomicInteger killed = new AtomicInteger();
        CountDownLatch started = new CountDownLatch(1);
        SessionRouter router = new SessionRouter(open -> session -> {
            session.onEnd(killed::incrementAndGet);
            started.countDown();
            Thread.sleep(60_000);
            return 0;
        }, sent::add);
        router.onFrame(open(1, exec()));
        started.await();
        router.onFrame(SessionFrame.newBuilder().setSessionId(1).setCancel(true).build());
        await().atMost(Duration.ofSeconds(5)).until(() -> exits(1).size() == 1);
        assertEquals(Status.Code.CANCELLED.value(), exits(1).getFirst().getStatusCode());
        assertEquals(1, killed.get());
        assertEquals(0, router.active());
    }

    @Test
    void brokenStreamCancelsEverySession() throws Exception {
        AtomicInteger ended = new AtomicInteger();
        CountDownLatch started = new CountDownLatch(3);
        SessionRouter router = new SessionRouter(open -> session -> {
            session.onEnd(ended::incrementAndGet);
            started.countDown();
            while (!session.next().getCancel()) {
                // wait for the end
            }
            return 0;
        }, sent::add);
        for (long id = 1; id <= 3; id++) {
            router.onFrame(open(id, exec()));
        }
        started.await();
        router.cancelAll();
        await().atMost(Duration.ofSeconds(5)).until(() -> ended.get() == 3 && router.active() == 0);
        for (long id = 1; id <= 3; id++) {
            assertEquals(1, exits(id).size());
        }
    }

    @Test
    void failuresBecomeOneLineErrorsWithTheirStatusCodes() {
        SessionRouter router = new SessionRouter(open -> switch (open.getOpCase()) {
            case EXEC -> session -> {
                throw SessionException.precondition("container web is not running");
            };
            default -> session -> {
                throw new IllegalStateException("two\nlines");
            };
        }, sent::add);
        router.onFrame(open(1, exec()));
        router.onFrame(open(2, SessionOpen.newBuilder().setTop(TopOp.getDefaultInstance())));
        await().atMost(Duration.ofSeconds(5)).until(() -> exits(1).size() == 1 && exits(2).size() == 1);
        assertEquals("container web is not running", exits(1).getFirst().getError());
        assertEquals(Status.Code.FAILED_PRECONDITION.value(), exits(1).getFirst().getStatusCode());
        assertEquals("two lines", exits(2).getFirst().getError());
        assertEquals(Status.Code.INTERNAL.value(), exits(2).getFirst().getStatusCode());
    }

    @Test
    void simulatedNodesRefuseSessionsClearly() {
        SessionRouter router = new SessionRouter(SessionHandlers.unsupported("not supported by the simulated runtime"), sent::add);
        router.onFrame(open(5, exec()));
        await().atMost(Duration.ofSeconds(5)).until(() -> exits(5).size() == 1);
        assertEquals("exec is not supported by the simulated runtime", exits(5).getFirst().getError());
        assertEquals(Status.Code.UNIMPLEMENTED.value(), exits(5).getFirst().getStatusCode());
        assertTrue(sent.size() == 1);
    }
}
