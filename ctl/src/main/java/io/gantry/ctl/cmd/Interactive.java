package io.gantry.ctl.cmd;

import com.google.protobuf.ByteString;
import io.gantry.ctl.cli.CliException;
import io.gantry.ctl.cli.NodeSession;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.proto.SessionFrame;
import io.gantry.proto.SessionOpen;
import io.gantry.proto.TtySize;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.function.Function;
import org.jline.terminal.Attributes;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * The CLI end of exec/attach/run -it: the session's output to ours, our stdin to it, and with a tty on both
 * ends our terminal in raw mode (so Ctrl-C reaches the container as a byte) with window size changes passed on.
 */
final class Interactive {
    /** Docker's default detach keys: Ctrl-P, Ctrl-Q. */
    private static final int CTRL_P = 0x10;
    private static final int CTRL_Q = 0x11;
    private final boolean stdin;
    private final boolean tty;
    private final boolean detachKeys;
    private volatile boolean detached;

    Interactive(boolean stdin, boolean tty, boolean detachKeys) {
        this.stdin = stdin;
        this.tty = tty;
        this.detachKeys = detachKeys;
    }

    /** Whether the user left with the detach keys (the container keeps running). */
    boolean detached() {
        return detached;
    }

    /**
     * Opens the session {@code open} builds (given the local terminal size when there is one), pumps until it
     * ends and returns the agent's exit code.
     */
    int run(SchedulerClient client, Function<TtySize, SessionOpen> open) throws InterruptedException {
        Terminal terminal = null;
        Attributes saved = null;
        var console = System.console();
        boolean localTty = console != null && console.isTerminal();
        if (stdin && tty && !localTty) {
            throw new CliException("the input device is not a TTY", RunCommand.EXIT_GANTRY_ERROR);
        }
        TtySize size = TtySize.getDefaultInstance();
        try {
            if (tty && localTty) {
                try {
                    terminal = TerminalBuilder.builder().system(true).build();
                } catch (IOException e) {
                    throw new CliException("cannot open the terminal: " + e.getMessage());
                }
                size = sizeOf(terminal);
            }
            PrintStream out = System.out;
            PrintStream err = System.err;
            NodeSession session = NodeSession.open(client, open.apply(size), f -> {
                switch (f.getBodyCase()) {
                    case STDOUT -> write(out, f.getStdout());
                    case STDERR -> write(err, f.getStderr());
                    default -> { }
                }
            });
            Thread hook = new Thread(session::close);
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                if (terminal != null) {
                    saved = terminal.enterRawMode();
                    Terminal t = terminal;
                    terminal.handle(Terminal.Signal.WINCH, s -> session.send(SessionFrame.newBuilder().setResize(sizeOf(t)).build()));
                }
                if (stdin) {
                    InputStream in = terminal != null ? terminal.input() : System.in;
                    Thread.ofPlatform().daemon().name("gantry-stdin").start(() -> pump(in, session));
                }
                return session.await();
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException ignored) {
                    // shutting down already
                }
                session.close();
            }
        } finally {
            if (terminal != null) {
                if (saved != null) {
                    terminal.setAttributes(saved);
                }
                try {
                    terminal.close();
                } catch (IOException ignored) {
                    // restoring the terminal is best effort
                }
            }
        }
    }

    private void pump(InputStream in, NodeSession session) {
        byte[] buf = new byte[8192];
        boolean sawCtrlP = false;
        try {
            int n;
            while (!session.isDone() && (n = in.read(buf)) >= 0) {
                if (detachKeys && tty) {
                    for (int i = 0; i < n; i++) {
                        if (sawCtrlP && buf[i] == CTRL_Q) {
                            detached = true;
                            session.close();
                            return;
                        }
                        sawCtrlP = buf[i] == CTRL_P;
                    }
                }
                if (n > 0) {
                    session.send(SessionFrame.newBuilder().setStdin(ByteString.copyFrom(buf, 0, n)).build());
                }
            }
            session.send(SessionFrame.newBuilder().setStdinEof(true).build());
        } catch (IOException e) {
            session.send(SessionFrame.newBuilder().setStdinEof(true).build());
        }
    }

    private static void write(PrintStream to, ByteString bytes) {
        synchronized (to) {
            to.write(bytes.toByteArray(), 0, bytes.size());
            to.flush();
        }
    }

    private static TtySize sizeOf(Terminal t) {
        var s = t.getSize();
        return TtySize.newBuilder().setRows(s.getRows()).setCols(s.getColumns()).build();
    }
}
