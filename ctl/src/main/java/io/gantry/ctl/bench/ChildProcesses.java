package io.gantry.ctl.bench;

import io.gantry.image.fs.FileTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The processes and directories a benchmark made. {@link #close()} (also run by a shutdown hook, so Ctrl-C
 * cleans up too) stops the processes newest first (SIGTERM, then SIGKILL after 10 s) and deletes the dirs.
 */
final class ChildProcesses implements AutoCloseable {
    private final List<Process> processes = new ArrayList<>();
    private final List<Path> dirs = new ArrayList<>();
    private final Thread hook = new Thread(this::close, "gantry-bench-cleanup");
    private boolean closed;

    ChildProcesses() {
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Starts {@code command} with stdout and stderr going to {@code log}. */
    synchronized Process start(List<String> command, Path log) throws IOException {
        if (closed) {
            throw new IllegalStateException("cleaning up; not starting " + command.getFirst());
        }
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(p);
        return p;
    }

    synchronized void deleteLater(Path dir) {
        dirs.add(dir);
    }

    /** Stops one process now (SIGTERM, then SIGKILL after 10 s). */
    static void stop(Process p) {
        if (!p.isAlive()) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until {@code log} has a line matching {@code ready}; fails with the log's tail if the process dies first. */
    static void awaitLine(Process p, Path log, Predicate<String> ready, Duration timeout, String what) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readAllLines(log).stream().anyMatch(ready)) {
                return;
            }
            if (!p.isAlive()) {
                throw new IOException(what + " exited with status " + p.exitValue() + ": " + tail(log));
            }
            Thread.sleep(50);
        }
        throw new IOException(what + " did not become ready within " + timeout.toSeconds() + " s: " + tail(log));
    }

    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() {
        List<Process> ps;
        List<Path> ds;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            ps = List.copyOf(processes.reversed());
            ds = List.copyOf(dirs);
        }
        ps.forEach(Process::destroy); // all at once: they shut down in parallel
        ps.forEach(ChildProcesses::stop);
        for (Path d : ds) {
            try {
                FileTrees.delete(d);
            } catch (IOException e) {
                System.err.println("gantry bench: could not delete " + d + ": " + e.getMessage());
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // called from the hook itself
        }
    }
}
