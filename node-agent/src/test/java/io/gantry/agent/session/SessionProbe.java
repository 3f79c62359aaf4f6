package io.gantry.agent.session;

import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.gantry.proto.SessionExit;
import io.gantry.proto.SessionFrame;
import io.gantry.proto.SessionOpen;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/** Plays the scheduler's side of sessions against a router: opens, sends frames, collects the answers. */
final class SessionProbe {
    private static final AtomicLong IDS = new AtomicLong(100);
    final List<SessionFrame> frames = new CopyOnWriteArrayList<>();
    final SessionRouter router;

    SessionProbe(SessionHandlers handlers) {
        this.router = new SessionRouter(handlers, frames::add);
    }

    final class Session {
        final long id = IDS.incrementAndGet();

        Session(SessionOpen.Builder open) {
            router.onFrame(SessionFrame.newBuilder().setSessionId(id).setOpen(open).build());
        }

        void send(SessionFrame.Builder f) {
            router.onFrame(f.setSessionId(id).build());
        }

        void stdin(String s) {
            send(SessionFrame.newBuilder().setStdin(ByteString.copyFromUtf8(s)));
        }

        List<SessionFrame> mine() {
            return frames.stream().filter(f -> f.getSessionId() == id).toList();
        }

        String stdout() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            mine().stream().filter(SessionFrame::hasStdout).forEach(f -> out.writeBytes(f.getStdout().toByteArray()));
            return out.toString(StandardCharsets.UTF_8);
        }

        byte[] data() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            mine().stream().filter(SessionFrame::hasData).forEach(f -> out.writeBytes(f.getData().toByteArray()));
            return out.toByteArray();
        }

        SessionExit exit(Duration within) {
            await().atMost(within).until(() -> mine().stream().anyMatch(SessionFrame::hasExit));
            List<SessionFrame> exits = mine().stream().filter(SessionFrame::hasExit).toList();
            if (exits.size() != 1) {
                throw new AssertionError("expected one exit, got " + exits);
            }
            return exits.getFirst().getExit();
        }

        SessionExit exit() {
            return exit(Duration.ofSeconds(20));
        }
    }
}
