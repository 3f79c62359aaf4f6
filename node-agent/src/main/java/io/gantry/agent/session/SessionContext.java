package io.gantry.agent.session;

import io.gantry.proto.SessionFrame;
import io.gantry.proto.SessionOpen;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One open session as its handler sees it: the frames the CLI sent after the open (stdin, stdin_eof, resize,
 * signal, data), a way to send frames back, and clean-up actions that run exactly once, when the session ends
 * or is cancelled (the CLI went away or the scheduler stream broke), whichever comes first.
 */
public final class SessionContext {
    private static final Logger log = LoggerFactory.getLogger(SessionContext.class);
    /** Put in the inbox on cancel so that a handler blocked in {@link #next} wakes up. */
    private static final SessionFrame CANCELLED = SessionFrame.newBuilder().setCancel(true).build();

    private final long id;
    private final SessionOpen open;
    private final Consumer<SessionFrame> out;
    private final BlockingQueue<SessionFrame> inbox = new LinkedBlockingQueue<>();
    private final List<AutoCloseable> cleanups = new ArrayList<>();
    private volatile boolean cancelled;
    private boolean cleanedUp;
    /** Completes once the clean-ups have run: whoever comes second waits for the first. */
    private final java.util.concurrent.CompletableFuture<Void> cleaned = new java.util.concurrent.CompletableFuture<>();

    SessionContext(long id, SessionOpen open, Consumer<SessionFrame> out) {
        this.id = id;
        this.open = open;
        this.out = out;
    }

    public long id() {
        return id;
    }

    public SessionOpen open() {
        return open;
    }

    /** Sends a frame to the CLI (the session id is filled in). Never a SessionExit: the router sends that. */
    public void send(SessionFrame.Builder frame) {
        if (!cancelled) {
            out.accept(frame.setSessionId(id).build());
        }
    }

    /** The next frame from the CLI; a frame with {@code cancel} set once the session is cancelled. */
    public SessionFrame next() throws InterruptedException {
        if (cancelled) {
            return CANCELLED;
        }
        return inbox.take();
    }

    /** Like {@link #next()}, null after the timeout. */
    public SessionFrame poll(long millis) throws InterruptedException {
        if (cancelled) {
            return CANCELLED;
        }
        return inbox.poll(millis, TimeUnit.MILLISECONDS);
    }

    public boolean cancelled() {
        return cancelled;
    }

    /** Runs {@code action} when the session ends or is cancelled (at once if it already has). */
    public void onEnd(AutoCloseable action) {
        synchronized (cleanups) {
            if (!cleanedUp) {
                cleanups.add(action);
                return;
            }
        }
        runQuietly(action);
    }

    void deliver(SessionFrame frame) {
        inbox.add(frame);
    }

    /** Called from a gRPC thread: the clean-ups (killing, waiting for readers) run on a thread of their own. */
    void cancel() {
        cancelled = true;
        inbox.add(CANCELLED);
        Thread.ofVirtual().name("gantry-session-cancel-" + id).start(this::cleanUp);
    }

    void cleanUp() {
        // A cancelled session's own thread comes here interrupted: that must not cut the waits below short.
        boolean interrupted = Thread.interrupted();
        try {
            runCleanUps();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void runCleanUps() {
        List<AutoCloseable> actions;
        synchronized (cleanups) {
            if (cleanedUp) {
                actions = null;
            } else {
                cleanedUp = true;
                actions = new ArrayList<>(cleanups);
            }
        }
        if (actions == null) {
            try {
                cleaned.get(10, TimeUnit.SECONDS); // the exit frame goes only after what the session started is gone
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                log.warn("session {}: clean-up still running after 10 s", id);
            }
            return;
        }
        try {
            // Last registered first: a process is killed before the descriptors it writes to are closed.
            for (AutoCloseable a : actions.reversed()) {
                runQuietly(a);
            }
        } finally {
            cleaned.complete(null);
        }
    }

    private void runQuietly(AutoCloseable action) {
        try {
            action.close();
        } catch (Exception e) {
            log.debug("session {}: clean-up failed: {}", id, e.toString());
        }
    }
}
