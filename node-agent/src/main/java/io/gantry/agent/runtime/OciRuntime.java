package io.gantry.agent.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The only place that runs runc and conmon. conmon monitors each container (it double-forks,
 * so containers outlive the agent), does {@code runc create}, writes the container's output
 * in k8s-file format and its exit code into the exit dir.
 */
public final class OciRuntime {
    private static final Pattern RUNC_MSG = Pattern.compile("msg=\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Duration CREATE_TIMEOUT = Duration.ofSeconds(30);
    static final Duration RUNC_TIMEOUT = Duration.ofSeconds(30);

    private final ObjectMapper json = new ObjectMapper();
    private final Path runc;
    private final Path conmon;
    private final Path runcRoot;
    private final Duration runcTimeout;

    public OciRuntime(Path runc, Path conmon, Path runcRoot) {
        this(runc, conmon, runcRoot, RUNC_TIMEOUT);
    }

    OciRuntime(Path runc, Path conmon, Path runcRoot, Duration runcTimeout) {
        this.runc = runc;
        this.conmon = conmon;
        this.runcRoot = runcRoot;
        this.runcTimeout = runcTimeout;
    }

    /** Where conmon keeps attach sockets: a sibling of runc's root (the socket path must stay short). */
    public static Path socketDir(Path runcRoot) {
        return runcRoot.resolveSibling(runcRoot.getFileName() + "-attach");
    }

    public Path socketDir() {
        return socketDir(runcRoot);
    }

    /** Whether runc has state for {@code id}; without it every runc verb can only answer "does not exist". */
    private boolean known(String id) {
        return Files.isDirectory(runcRoot.resolve(id));
    }

    /** Whether conmon has reported the outcome of {@code runc create} (a line in its sync file). */
    static boolean createReported(ContainerPaths paths) {
        try {
            return Files.readString(paths.syncFile(), StandardCharsets.UTF_8).indexOf('\n') >= 0;
        } catch (IOException e) {
            return false;
        }
    }

    /** The container's conmon, if its pid file names a process that is still running. */
    static boolean monitorRunning(ContainerPaths paths) {
        OptionalLong monitor = readPid(paths.conmonPidFile());
        return monitor.isPresent() && Processes.running(monitor.getAsLong());
    }

    /** conmon's per-container link in {@link #socketDir()}; conmon never removes it itself. */
    public Path attachLink(String id) {
        return socketDir().resolve(id);
    }

    /** Starts conmon, which runs {@code runc create}; returns the container's init pid once created. */
    public long create(ContainerPaths paths) throws CreateException, IOException {
        return create(paths, -1);
    }

    /** As {@link #create(ContainerPaths)}; {@code logSizeMax} > 0: conmon's cap on the log file (see LogRotator). */
    public long create(ContainerPaths paths, long logSizeMax) throws CreateException, IOException {
        Path socketDir = socketDir();
        Files.createDirectories(runcRoot);
        Files.createDirectories(socketDir);
        Files.createDirectories(paths.exitDir());
        Files.deleteIfExists(paths.exitFile());
        Files.deleteIfExists(paths.pidFile());
        Files.write(paths.syncFile(), new byte[0]);
        String id = paths.id();
        List<String> cmd = new ArrayList<>(List.of(
                "/bin/sh", "-c", "exec 3>>\"$0\"; exec \"$@\"", paths.syncFile().toString(),
                conmon.toString(),
                "-r", runc.toString(),
                "--runtime-arg", "--root=" + runcRoot,
                "-b", paths.bundle().toString(),
                "-c", id, "-u", id, "-n", id,
                "-p", paths.pidFile().toString(),
                "-P", paths.conmonPidFile().toString(),
                "-l", "k8s-file:" + paths.log(),
                "--exit-dir", paths.exitDir().toString(),
                "--socket-dir-path", socketDir.toString(),
                "--log-level", "error"));
        if (logSizeMax > 0) {
            cmd.addAll(List.of("--log-size-max", Long.toString(logSizeMax)));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectInput(new File("/dev/null"))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(paths.conmonOutput().toFile()));
        // conmon reports {"pid": N} or {"pid": -1, "message": "..."} on the sync pipe (fd 3, a file here).
        pb.environment().put("_OCI_SYNCPIPE", "3");
        Process p = pb.start();
        long deadline = System.nanoTime() + CREATE_TIMEOUT.toNanos();
        try {
            if (!p.waitFor(CREATE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException("conmon did not detach within " + CREATE_TIMEOUT.toSeconds() + "s");
            }
            if (p.exitValue() != 0) {
                throw new IOException("conmon failed: " + lastLine(paths.conmonOutput()));
            }
            while (System.nanoTime() < deadline) {
                String sync = Files.readString(paths.syncFile(), StandardCharsets.UTF_8);
                int nl = sync.indexOf('\n');
                if (nl > 0) {
                    JsonNode result = json.readTree(sync.substring(0, nl));
                    // {"pid": N} (conmon's default API) or {"data": N} (--api-version 1)
                    long pid = result.has("pid") ? result.path("pid").asLong(-1) : result.path("data").asLong(-1);
                    if (pid > 0) {
                        return pid;
                    }
                    String message = runcMessage(result.path("message").asText("runc create failed"));
                    throw new CreateException(message, exitCodeFor(message));
                }
                if (readPid(paths.conmonPidFile()).isPresent() && !monitorRunning(paths) && !createReported(paths)) {
                    throw new IOException("conmon exited without reporting the container: " + lastLine(paths.conmonOutput()));
                }
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while creating the container");
        }
        throw new IOException("runc create did not finish within " + CREATE_TIMEOUT.toSeconds() + "s");
    }

    public void start(String id) throws IOException {
        runc("start", id);
    }

    /** Sends a signal (name such as SIGTERM/TERM or a number); a container that is not running is not an error. */
    public void kill(String id, String signal) throws IOException {
        if (!known(id)) {
            return;
        }
        try {
            runc("kill", id, signal);
        } catch (IOException e) {
            String m = e.getMessage();
            if (!(m.contains("not running") || m.contains("does not exist") || m.contains("container not found"))) {
                throw e;
            }
        }
    }

    /** {@code runc pause}: freezes every process of the container (freezer cgroup, v1 or v2). */
    public void pause(String id) throws IOException {
        runc("pause", id);
    }

    /** {@code runc resume}: thaws them. */
    public void resume(String id) throws IOException {
        runc("resume", id);
    }

    /** {@code runc delete --force}: kills what is left and removes runc's state and the cgroups. */
    public void delete(String id) throws IOException {
        if (!known(id)) {
            return;
        }
        try {
            runc("delete", "--force", id);
        } catch (IOException e) {
            if (!e.getMessage().contains("does not exist") && !e.getMessage().contains("not found")) {
                throw e;
            }
        }
    }

    /** runc's status ("created", "running", "paused", "stopped"), empty when runc does not know the id. */
    public Optional<String> status(String id) throws IOException {
        if (!known(id)) {
            return Optional.empty();
        }
        try {
            String out = runc("state", id);
            return Optional.of(json.readTree(out).path("status").asText());
        } catch (IOException e) {
            if (e.getMessage().contains("does not exist") || e.getMessage().contains("not found")) {
                return Optional.empty();
            }
            throw e;
        }
    }

    public static OptionalLong readPid(Path file) {
        try {
            String s = Files.readString(file).trim();
            return s.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(s));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * Runs runc and returns its output. The output goes to a file, not a pipe: reading a pipe to
     * its end would block for as long as runc (or anything inheriting the pipe) lives, so the
     * timeout could never fire, and callers hold locks.
     */
    private String runc(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(runc.toString(), "--root", runcRoot.toString()));
        cmd.addAll(List.of(args));
        Path output = Files.createTempFile("gantry-runc-" + args[0] + "-", ".out");
        try {
            Process p = new ProcessBuilder(cmd).redirectInput(new File("/dev/null")).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
            try {
                if (!p.waitFor(runcTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    throw new IOException("runc " + args[0] + " timed out after " + runcTimeout.toSeconds() + " s");
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while running runc " + args[0]);
            }
            String text = new String(Files.readAllBytes(output), StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IOException("runc " + args[0] + " failed: " + runcMessage(text));
            }
            return text;
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /** Turns runc's logrus output into one line, e.g. {@code exec: "x": executable file not found in $PATH}. */
    static String runcMessage(String raw) {
        String message = raw.strip();
        Matcher m = RUNC_MSG.matcher(raw);
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        if (last != null) {
            message = last.replace("\\\"", "\"").replace("\\\\", "\\");
        }
        for (String prefix : List.of("runc create failed: ", "unable to start container process: ")) {
            if (message.startsWith(prefix)) {
                message = message.substring(prefix.length());
            }
        }
        message = message.replaceAll("\\s*\\R\\s*", " ").strip();
        return message.isEmpty() ? "the OCI runtime failed" : message;
    }

    static int exitCodeFor(String message) {
        if (message.contains("executable file not found") || message.contains("no such file or directory")) {
            return 127;
        }
        if (message.contains("permission denied")) {
            return 126;
        }
        return 125;
    }

    private static String lastLine(Path file) {
        try {
            List<String> lines = Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList();
            return lines.isEmpty() ? "(no output)" : lines.getLast().strip();
        } catch (IOException e) {
            return "(no output)";
        }
    }
}
