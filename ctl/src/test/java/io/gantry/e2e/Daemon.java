package io.gantry.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** A long-running gantry process (dev, scheduler, agent) whose output is kept for assertions. */
final class Daemon implements AutoCloseable {
    private final String name;
    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final List<Thread> pumps;

    private Daemon(String name, Process process) {
        this.name = name;
        this.process = process;
        this.pumps = List.of(Thread.ofVirtual().start(() -> pump(process.getInputStream())),
                Thread.ofVirtual().start(() -> pump(process.getErrorStream())));
    }

    /** Lets the output readers catch up with a process that has ended. */
    private void drained() throws InterruptedException {
        for (Thread t : pumps) {
            t.join(Duration.ofSeconds(5));
        }
    }

    static Daemon start(String name, Path logDir, String... args) {
        try {
            Process p = new ProcessBuilder(Gantry.javaCommand(args)).start();
            p.getOutputStream().close();
            return new Daemon(name, p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void pump(java.io.InputStream in) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                lines.add(line);
                System.out.println("[" + name + "] " + line);
            }
        } catch (IOException ignored) {
            // the process ended
        }
    }

    /** Waits for a line containing {@code text}; fails with the output so far if the process dies first. */
    Daemon awaitLine(String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (lines.stream().anyMatch(l -> l.contains(text))) {
                return this;
            }
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited with " + process.exitValue() + " before printing \"" + text + "\":\n" + String.join("\n", lines));
            }
            Thread.sleep(50);
        }
        throw new AssertionError(name + " did not print \"" + text + "\" within " + timeout + ":\n" + String.join("\n", lines));
    }

    String output() {
        return String.join("\n", lines);
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** kill -9, as a crash would. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM and wait, as Ctrl-C or systemd would; returns the exit code. */
    int stop(Duration timeout) throws InterruptedException {
        // Process.destroy() would also close our end of its stdout, losing what it prints while stopping
        process.toHandle().destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError(name + " did not stop within " + timeout + ":\n" + output());
        }
        drained();
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.toHandle().destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }
}
