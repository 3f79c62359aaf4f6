package io.gantry.agent.session;

import com.google.protobuf.ByteString;
import io.gantry.agent.logs.LogReader;
import io.gantry.agent.runtime.ContainerRuntime;
import io.gantry.agent.runtime.ContainerView;
import io.gantry.proto.AttachOp;
import io.gantry.proto.ContainerState;
import io.gantry.proto.LogEntry;
import io.gantry.proto.SessionFrame;
import io.gantry.proto.TtySize;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * {@code attach} (and the attached half of {@code run -it}): connects to conmon's attach socket (SOCK_SEQPACKET,
 * {@code <bundle>/attach}; every message from conmon is one byte naming the pipe, 2 stdout or 3 stderr, then
 * the data; what we write goes to the container's stdin), optionally replays the log so far first, resizes
 * through conmon's control fifo ({@code <bundle>/ctl}, lines "1 ROWS COLS"). When the CLI goes away the socket
 * is closed (a detach: the container keeps running); when the container exits the session ends with its code.
 */
final class AttachSession implements SessionHandler {
    static final long START_WAIT_MILLIS = 120_000;
    private static final int STDOUT_PIPE = 2;
    private static final int STDERR_PIPE = 3;
    private static final int WIN_RESIZE_EVENT = 1;
    private static final int STDIN_RECORD = 4096;

    private final ContainerRuntime runtime;
    private final ContainerView initial;
    private final AttachOp op;

    AttachSession(ContainerRuntime runtime, ContainerView container, AttachOp op) {
        this.runtime = runtime;
        this.initial = container;
        this.op = op;
    }

    @Override
    public int run(SessionContext session) throws Exception {
        ContainerView c = awaitStarted(session);
        boolean live = c.live();
        if (!live && !op.getLogs()) {
            throw SessionException.precondition("you cannot attach to a stopped container " + c.name() + ", start it first");
        }
        // As Docker: stdin frames for a container started without -i go nowhere (conmon has no pipe for them).
        boolean stdin = op.getStdin() && c.spec().getOpenStdin();
        int fd = -1;
        if (live) {
            try {
                fd = Posix.connectUnix(runtime.oci().attachLink(c.id()).resolve("attach").toString(), Posix.SOCK_SEQPACKET);
            } catch (IOException e) {
                // the container exited between the check and the connect: fall through to the log and its exit code
                live = false;
            }
        }
        OwnedFd socket = fd >= 0 ? new OwnedFd(fd, true) : null;
        if (socket != null) {
            session.onEnd(socket); // a detach: conmon just loses one reader
        }
        if (op.getLogs()) {
            replayLog(c, session);
        }
        if (!live) {
            return awaitExit(c, session);
        }
        if (op.hasSize() && op.getSize().getRows() > 0 && c.spec().getTty()) {
            resize(c, op.getSize());
        }
        int sock = fd;
        Thread out = socket.startReader("gantry-attach-" + session.id(), () -> pumpOutput(sock, session));
        while (out.isAlive()) {
            SessionFrame f = session.poll(100);
            if (f == null) {
                continue;
            }
            switch (f.getBodyCase()) {
                case STDIN -> {
                    if (stdin) {
                        byte[] b = f.getStdin().toByteArray();
                        try {
                            // One record per write on a SEQPACKET socket, and conmon reads records into a
                            // fixed buffer (anything longer is cut off): small records.
                            for (int off = 0; off < b.length; off += STDIN_RECORD) {
                                Posix.writeAll(sock, b, off, Math.min(STDIN_RECORD, b.length - off));
                            }
                        } catch (IOException gone) {
                            // the container is exiting
                        }
                    }
                }
                case STDIN_EOF -> {
                    if (stdin) {
                        Posix.shutdown(sock, Posix.SHUT_WR); // conmon then closes the container's stdin
                    }
                }
                case RESIZE -> {
                    if (c.spec().getTty()) {
                        resize(c, f.getResize());
                    }
                }
                case SIGNAL -> runtime.oci().kill(c.id(), Integer.toString(Signals.number(f.getSignal())));
                case CANCEL -> throw new InterruptedException("detached");
                default -> {
                }
            }
        }
        return awaitExit(c, session);
    }

    /** {@code run -it} opens its attach right after submitting: wait for the container to get running (or end). */
    private ContainerView awaitStarted(SessionContext session) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_WAIT_MILLIS);
        while (true) {
            ContainerView c = current();
            switch (c.state()) {
                case PENDING, PULLING, STARTING -> {
                    if (System.nanoTime() > deadline) {
                        throw SessionException.precondition("container " + c.name() + " did not start in time");
                    }
                    if (session.poll(50) instanceof SessionFrame f && f.getCancel()) {
                        throw new InterruptedException("cancelled");
                    }
                }
                default -> {
                    return c;
                }
            }
        }
    }

    private ContainerView current() throws SessionException {
        return runtime.view(initial.id()).orElseThrow(() -> SessionException.notFound("no such container: " + initial.name()));
    }

    private int awaitExit(ContainerView c, SessionContext session) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            Optional<ContainerView> now = runtime.view(c.id());
            if (now.isEmpty()) {
                return c.exitCode(); // removed (--rm) right after its exit
            }
            ContainerState s = now.get().state();
            if (s == ContainerState.EXITED || s == ContainerState.FAILED || s == ContainerState.REMOVED) {
                return now.get().exitCode();
            }
            if (System.nanoTime() > deadline) {
                throw SessionException.precondition("container " + c.name() + " closed its output but did not exit");
            }
            Thread.sleep(25);
        }
    }

    private static void pumpOutput(int fd, SessionContext session) {
        byte[] buf = new byte[65536];
        try {
            int n;
            while ((n = Posix.read(fd, buf)) > 0) {
                if (n < 2) {
                    continue;
                }
                ByteString data = ByteString.copyFrom(buf, 1, n - 1);
                session.send(buf[0] == STDERR_PIPE ? SessionFrame.newBuilder().setStderr(data)
                        : SessionFrame.newBuilder().setStdout(data));
            }
        } catch (IOException e) {
            // closed: detached or the container is gone
        }
    }

    private static void replayLog(ContainerView c, SessionContext session) throws IOException {
        if (!Files.exists(c.paths().log())) {
            return;
        }
        for (LogEntry e : new LogReader(c.paths().log()).tail(-1)) {
            ByteString data = e.getPartial() ? e.getLine() : e.getLine().concat(ByteString.copyFromUtf8(c.spec().getTty() ? "\r\n" : "\n"));
            session.send(e.getStream() == LogEntry.Stream.STDERR ? SessionFrame.newBuilder().setStderr(data)
                    : SessionFrame.newBuilder().setStdout(data));
        }
    }

    private static void resize(ContainerView c, TtySize size) {
        Path ctl = c.paths().bundle().resolve("ctl");
        try {
            int fd = Posix.open(ctl.toString(), Posix.O_WRONLY | Posix.O_CLOEXEC | 04000 /* O_NONBLOCK */);
            try {
                byte[] line = (WIN_RESIZE_EVENT + " " + size.getRows() + " " + size.getCols() + "\n").getBytes(StandardCharsets.US_ASCII);
                Posix.writeAll(fd, line, 0, line.length);
            } finally {
                Posix.close(fd);
            }
        } catch (IOException e) {
            // no control fifo (conmon gone): nothing to resize
        }
    }
}
