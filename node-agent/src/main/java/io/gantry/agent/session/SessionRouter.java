package io.gantry.agent.session;

import io.gantry.proto.SessionExit;
import io.gantry.proto.SessionFrame;
import io.grpc.Status;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes the scheduler's session frames: an {@code open} starts the handler for its op on its own virtual
 * thread, later frames go to that session by id, {@code cancel} (or {@link #cancelAll()} when the scheduler
 * stream breaks) ends it and runs its clean-ups (killing what it started). Every session ends with exactly one
 * SessionExit, sent through {@code out} (the agent's serialized sender).
 */
public final class SessionRouter {
    private static final Logger log = LoggerFactory.getLogger(SessionRouter.class);

    private final SessionHandlers handlers;
    private final Consumer<SessionFrame> out;
    private final Map<Long, Running> sessions = new ConcurrentHashMap<>();

    private record Running(SessionContext context, Thread thread) {
    }

    public SessionRouter(SessionHandlers handlers, Consumer<SessionFrame> out) {
        this.handlers = handlers;
        this.out = out;
    }

    public void onFrame(SessionFrame frame) {
        long id = frame.getSessionId();
        if (frame.hasOpen()) {
            open(id, frame);
            return;
        }
        Running r = sessions.get(id);
        if (r == null) {
            log.debug("frame {} for unknown session {} dropped", frame.getBodyCase(), id);
            return;
        }
        if (frame.getBodyCase() == SessionFrame.BodyCase.CANCEL) {
            cancel(r);
        } else {
            r.context().deliver(frame);
        }
    }

    /** The scheduler stream broke: nobody is listening to any session any more. */
    public void cancelAll() {
        sessions.values().forEach(this::cancel);
    }

    /** Sessions still running (for tests). */
    public int active() {
        return sessions.size();
    }

    private void cancel(Running r) {
        r.context().cancel();
        r.thread().interrupt();
    }

    private void open(long id, SessionFrame frame) {
        SessionContext context = new SessionContext(id, frame.getOpen(), out);
        synchronized (sessions) {
            if (sessions.containsKey(id)) {
                out.accept(exit(id, SessionExit.newBuilder().setError("session " + id + " is already open")
                        .setStatusCode(Status.Code.ALREADY_EXISTS.value())));
                return;
            }
            Thread thread = Thread.ofVirtual().name("gantry-session-" + id).unstarted(() -> run(context));
            sessions.put(id, new Running(context, thread));
            thread.start();
        }
    }

    private void run(SessionContext context) {
        SessionExit.Builder exit = SessionExit.newBuilder();
        try {
            SessionHandler handler = handlers.handlerFor(context.open());
            exit.setExitCode(handler.run(context));
        } catch (SessionException e) {
            exit.setError(oneLine(e.getMessage())).setStatusCode(e.code().value()).setExitCode(e.exitCode());
        } catch (InterruptedException e) {
            exit.setError("session cancelled").setStatusCode(Status.Code.CANCELLED.value());
        } catch (Exception | Error e) {
            log.warn("session {} ({}) failed", context.id(), context.open().getOpCase(), e);
            exit.setError(oneLine(e.getMessage() == null ? e.toString() : e.getMessage()))
                    .setStatusCode(Status.Code.INTERNAL.value());
        } finally {
            context.cleanUp();
            sessions.remove(context.id());
        }
        if (context.cancelled() && exit.getError().isEmpty() && exit.getExitCode() == 0) {
            exit.setError("session cancelled").setStatusCode(Status.Code.CANCELLED.value());
        }
        out.accept(exit(context.id(), exit));
    }

    private static SessionFrame exit(long id, SessionExit.Builder exit) {
        return SessionFrame.newBuilder().setSessionId(id).setExit(exit).build();
    }

    static String oneLine(String message) {
        return message == null ? "" : message.replaceAll("\\s*\\R\\s*", " ").strip();
    }
}
