package io.gantry.agent.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import io.gantry.agent.runtime.ContainerRuntime;
import io.gantry.agent.runtime.ContainerView;
import io.gantry.agent.spec.ProcessUser;
import io.gantry.agent.spec.SpecException;
import io.gantry.agent.spec.UserResolver;
import io.gantry.proto.ContainerState;
import io.gantry.proto.ExecOp;
import io.gantry.proto.SessionFrame;
import io.grpc.Status;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * {@code exec}: {@code runc exec --process} with a process spec derived from the container's own (capabilities,
 * no-new-privileges, rlimits, AppArmor as its main process; runc applies the container's seccomp filter), so an
 * exec'd process is confined exactly like the main one. With a tty, a pty
 * of ours as runc's stdio (runc relays it to the container's own pty); without, plain pipes. Signals go straight to the exec'd process (its host pid
 * from runc's pid file); a cancelled session kills it.
 */
final class ExecSession implements SessionHandler {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CHUNK = 32 * 1024;

    private final ContainerRuntime runtime;
    private final ContainerView container;
    private final ExecOp op;

    ExecSession(ContainerRuntime runtime, ContainerView container, ExecOp op) {
        this.runtime = runtime;
        this.container = container;
        this.op = op;
    }

    @Override
    public int run(SessionContext session) throws Exception {
        if (op.getCommandCount() == 0) {
            throw SessionException.invalid("exec needs a command");
        }
        if (container.state() == ContainerState.PAUSED) {
            throw SessionException.precondition("container " + container.name() + " is paused, unpause the container before exec");
        }
        if (container.state() != ContainerState.RUNNING) {
            throw SessionException.precondition("container " + container.name() + " is not running");
        }
        String tag = "exec-" + session.id() + "-" + Long.toHexString(System.nanoTime());
        Path dir = container.paths().dir();
        Path processFile = dir.resolve(tag + ".json");
        Path pidFile = dir.resolve(tag + ".pid");
        Path logFile = dir.resolve(tag + ".log");
        session.onEnd(() -> {
            Files.deleteIfExists(processFile);
            Files.deleteIfExists(pidFile);
            Files.deleteIfExists(logFile);
        });
        JSON.writeValue(processFile.toFile(), processSpec());
        Posix.Pty pty = null;
        OwnedFd master = null;
        if (op.getTty()) {
            pty = Posix.openPty();
            session.onEnd(master = new OwnedFd(pty.master(), false));
            if (op.hasSize() && op.getSize().getRows() > 0) {
                Posix.setWindowSize(master.fd(), op.getSize().getRows(), op.getSize().getCols());
            }
        }
        var cmd = new java.util.ArrayList<>(runtime.oci().runcCommand());
        cmd.addAll(1, java.util.List.of("--log", logFile.toString(), "--log-format", "json"));
        cmd.addAll(java.util.List.of("exec", "--process", processFile.toString(), "--pid-file", pidFile.toString()));
        cmd.add(container.id());
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (pty != null) {
            // runc (1.1) takes a console socket only with --detach, which loses the exit code. So runc stays
            // attached and its own stdio is a pty of ours: runc puts it in raw mode, relays it to and from the
            // container's pty, and copies its size over at start and on SIGWINCH.
            File slave = new File(pty.slave());
            pb.redirectInput(slave).redirectOutput(slave).redirectError(slave);
        }
        Process runc = pb.start();
        // On cancel: the exec'd process and whatever it started (runc's descendants: the process is runc's child,
        // even before runc has written its pid file), then runc itself.
        session.onEnd(() -> {
            if (runc.isAlive()) {
                pid(pidFile).ifPresent(p -> signalQuietly(p, 9));
                runc.descendants().forEach(ProcessHandle::destroyForcibly);
                runc.destroyForcibly();
            }
        });
        return master != null ? withTty(session, runc, master, pidFile, logFile) : withPipes(session, runc, pidFile, logFile);
    }

    private int withPipes(SessionContext session, Process runc, Path pidFile, Path logFile) throws Exception {
        OutputStream stdin = runc.getOutputStream();
        if (!op.getStdin()) {
            stdin.close();
        }
        Thread out = pump(runc.getInputStream(), bytes -> SessionFrame.newBuilder().setStdout(bytes), session);
        Thread err = pump(runc.getErrorStream(), bytes -> SessionFrame.newBuilder().setStderr(bytes), session);
        while (runc.isAlive()) {
            SessionFrame f = session.poll(100);
            if (f == null) {
                continue;
            }
            switch (f.getBodyCase()) {
                case STDIN -> {
                    if (op.getStdin()) {
                        try {
                            f.getStdin().writeTo(stdin);
                            stdin.flush();
                        } catch (IOException closed) {
                            // the process closed its stdin: nothing more to give it
                        }
                    }
                }
                case STDIN_EOF -> closeQuietly(stdin);
                case SIGNAL -> signal(pidFile, f.getSignal());
                case CANCEL -> throw new InterruptedException("cancelled");
                default -> {
                }
            }
        }
        out.join(5000);
        err.join(5000);
        return exitCode(runc, pidFile, logFile);
    }

    private int withTty(SessionContext session, Process runc, OwnedFd master, Path pidFile, Path logFile) throws Exception {
        int fd = master.fd();
        Thread out = master.startReader("gantry-exec-tty-" + session.id(), () -> {
            byte[] buf = new byte[CHUNK];
            try {
                int n;
                while ((n = Posix.read(fd, buf)) > 0) {
                    session.send(SessionFrame.newBuilder().setStdout(ByteString.copyFrom(buf, 0, n)));
                }
            } catch (IOException e) {
                // closed under us at the end
            }
        });
        while (runc.isAlive()) {
            SessionFrame f = session.poll(100);
            if (f == null) {
                continue;
            }
            switch (f.getBodyCase()) {
                case STDIN -> {
                    if (op.getStdin()) {
                        byte[] b = f.getStdin().toByteArray();
                        Posix.writeAll(fd, b, 0, b.length);
                    }
                }
                case RESIZE -> {
                    Posix.setWindowSize(fd, f.getResize().getRows(), f.getResize().getCols());
                    signalQuietly(runc.pid(), 28); // SIGWINCH: runc copies the new size to the container's pty
                }
                case SIGNAL -> signal(pidFile, f.getSignal());
                case STDIN_EOF -> {
                    // a terminal has no end of input; the CLI sends ^D itself when it means one
                }
                case CANCEL -> throw new InterruptedException("cancelled");
                default -> {
                }
            }
        }
        out.join(5000); // the pty reads EIO once the last process holding it has gone
        return exitCode(runc, pidFile, logFile);
    }

    /** runc exec's exit status is the process's; when runc itself failed before starting it, its one-line error. */
    private int exitCode(Process runc, Path pidFile, Path logFile) throws Exception {
        runc.waitFor();
        int code = runc.exitValue();
        if (code != 0 && pid(pidFile).isEmpty()) {
            String log = Files.exists(logFile) ? Files.readString(logFile, StandardCharsets.UTF_8) : "";
            String message = runcError(log);
            if (!message.isEmpty()) {
                boolean missing = message.contains("no such file or directory") || message.contains("executable file not found");
                throw new SessionException(missing ? Status.Code.NOT_FOUND : Status.Code.UNKNOWN, message,
                        missing ? 127 : message.contains("permission denied") ? 126 : 125);
            }
        }
        return code;
    }

    /** The last error runc logged (JSON lines: {"level":"error","msg":"..."}). */
    static String runcError(String log) {
        String last = "";
        for (String line : log.split("\n")) {
            try {
                JsonNode n = JSON.readTree(line);
                if (n != null && "error".equals(n.path("level").asText()) || n != null && "fatal".equals(n.path("level").asText())) {
                    last = n.path("msg").asText();
                }
            } catch (IOException notJson) {
                // skip
            }
        }
        for (String prefix : new String[] {"exec failed: ", "unable to start container process: "}) {
            if (last.startsWith(prefix)) {
                last = last.substring(prefix.length());
            }
        }
        return SessionRouter.oneLine(last);
    }

    private void signal(Path pidFile, String name) throws SessionException {
        int number = Signals.number(name);
        pid(pidFile).ifPresent(p -> signalQuietly(p, number));
    }

    private static void signalQuietly(long pid, int signal) {
        try {
            Posix.kill(pid, signal);
        } catch (IOException gone) {
            // already exited
        }
    }

    private static OptionalLong pid(Path pidFile) {
        try {
            String s = Files.readString(pidFile).trim();
            return s.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(s));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private static Thread pump(InputStream in, Function<ByteString, SessionFrame.Builder> frame, SessionContext session) {
        return Thread.ofVirtual().start(() -> {
            byte[] buf = new byte[CHUNK];
            try (in) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    session.send(frame.apply(ByteString.copyFrom(buf, 0, n)));
                }
            } catch (IOException e) {
                // the process is gone
            }
        });
    }

    private static void closeQuietly(OutputStream s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    /** The container's process spec with the exec's command, environment, user, working dir and terminal. */
    ObjectNode processSpec() throws IOException, SessionException {
        JsonNode config = JSON.readTree(container.paths().config().toFile());
        ObjectNode process = ((ObjectNode) config.path("process")).deepCopy();
        ArrayNode args = process.putArray("args");
        op.getCommandList().forEach(args::add);
        Map<String, String> env = new LinkedHashMap<>();
        process.path("env").forEach(e -> put(env, e.asText()));
        if (op.getTty()) {
            env.putIfAbsent("TERM", "xterm");
        }
        op.getEnvList().forEach(e -> put(env, e));
        ArrayNode envArray = process.putArray("env");
        env.forEach((k, v) -> envArray.add(k + "=" + v));
        if (!op.getWorkingDir().isEmpty()) {
            if (!op.getWorkingDir().startsWith("/")) {
                throw SessionException.invalid("the working directory '" + op.getWorkingDir() + "' is invalid, it needs to be an absolute path");
            }
            process.put("cwd", op.getWorkingDir());
        }
        if (!op.getUser().isEmpty()) {
            ProcessUser user;
            try {
                user = new UserResolver(container.paths().rootfs()).resolve(op.getUser());
            } catch (SpecException e) {
                throw SessionException.invalid(e.getMessage());
            }
            ObjectNode u = process.putObject("user");
            u.put("uid", user.uid());
            u.put("gid", user.gid());
            ArrayNode groups = u.putArray("additionalGids");
            user.additionalGids().forEach(groups::add);
        }
        if (op.getPrivileged()) {
            // as much as the container may have at all: its bounding set
            ObjectNode caps = (ObjectNode) process.path("capabilities");
            JsonNode bounding = caps.path("bounding").deepCopy();
            for (String set : new String[] {"effective", "permitted", "inheritable"}) {
                caps.set(set, bounding.deepCopy());
            }
        }
        process.put("terminal", op.getTty());
        if (op.getTty() && op.hasSize() && op.getSize().getRows() > 0) {
            ObjectNode size = process.putObject("consoleSize");
            size.put("height", op.getSize().getRows());
            size.put("width", op.getSize().getCols());
        } else {
            process.remove("consoleSize");
        }
        return process;
    }

    private static void put(Map<String, String> env, String kv) {
        int eq = kv.indexOf('=');
        if (eq > 0) {
            env.put(kv.substring(0, eq), kv.substring(eq + 1));
        } else if (!kv.isEmpty()) {
            env.put(kv, System.getenv().getOrDefault(kv, ""));
        }
    }
}
