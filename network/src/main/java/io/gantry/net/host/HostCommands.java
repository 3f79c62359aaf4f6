package io.gantry.net.host;

import io.gantry.net.NetworkException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code ip}, {@code iptables}, {@code bridge}, {@code sysctl} with ProcessBuilder, optionally
 * inside a network namespace ({@code nsenter --net=PATH}), so that tests can play several
 * nodes from one process. Failures become a one-line {@link NetworkException} carrying the
 * command and its stderr.
 */
public final class HostCommands {
    private static final long TIMEOUT_SECONDS = 30;
    private final Path netns;

    private HostCommands(Path netns) {
        this.netns = netns;
    }

    /** Commands in this process's own network namespace. */
    public static HostCommands local() {
        return new HostCommands(null);
    }

    /** Commands inside the network namespace at {@code netnsPath} (e.g. /run/netns/NAME). */
    public static HostCommands in(Path netnsPath) {
        return new HostCommands(netnsPath);
    }

    /** The same commands, but run in another namespace (e.g. a container's). */
    public HostCommands inNamespace(Path netnsPath) {
        return new HostCommands(netnsPath);
    }

    /** Null when commands run in this process's own namespace. */
    public Path netns() {
        return netns;
    }

    public record Result(int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    /** Runs the command and returns its stdout; a non-zero exit is a NetworkException. */
    public String run(String... command) {
        Result r = tryRun(command);
        if (!r.ok()) {
            throw new NetworkException("'" + String.join(" ", command) + "'" + where() + " failed (exit " + r.exitCode() + "): "
                    + (r.stderr().isBlank() ? r.stdout() : r.stderr()));
        }
        return r.stdout();
    }

    /** Runs the command with {@code input} on its stdin (e.g. {@code ip -batch -}); returns stdout. */
    public String runWithInput(String input, String... command) {
        Result r = execute(input, command);
        if (!r.ok()) {
            throw new NetworkException("'" + String.join(" ", command) + "'" + where() + " failed (exit " + r.exitCode() + "): "
                    + (r.stderr().isBlank() ? r.stdout() : r.stderr()));
        }
        return r.stdout();
    }

    /** Runs the command and reports its outcome; only a failure to run at all throws. */
    public Result tryRun(String... command) {
        return execute(null, command);
    }

    private Result execute(String input, String... command) {
        List<String> argv = new ArrayList<>();
        if (netns != null) {
            argv.add("nsenter");
            argv.add("--net=" + netns);
            argv.add("--");
        }
        argv.addAll(List.of(command));
        Process p;
        try {
            ProcessBuilder pb = new ProcessBuilder(argv);
            if (input == null) {
                pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            }
            p = pb.start();
            if (input != null) {
                try (var stdin = p.getOutputStream()) {
                    stdin.write(input.getBytes(StandardCharsets.UTF_8));
                }
            }
        } catch (IOException e) {
            throw new NetworkException("cannot run '" + command[0] + "': " + e.getMessage(), e);
        }
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()), Thread::startVirtualThread);
        String err = read(p.getErrorStream());
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new NetworkException("'" + String.join(" ", command) + "'" + where() + " did not finish within " + TIMEOUT_SECONDS + " s");
            }
            return new Result(p.exitValue(), out.join(), err);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new NetworkException("interrupted while running '" + String.join(" ", command) + "'", e);
        }
    }

    private String where() {
        return netns == null ? "" : " in " + netns;
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
