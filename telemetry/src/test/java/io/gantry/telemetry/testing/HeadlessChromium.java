package io.gantry.telemetry.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Loads a page in Debian's headless Chromium and returns the DOM after scripts ran ({@code --dump-dom}).
 * Each call uses a fresh profile directory that is deleted afterwards, and kills Chromium's whole process group.
 * Only ever point it at loopback URLs.
 */
public final class HeadlessChromium {
    public static final Path BINARY = Path.of("/usr/bin/chromium");

    private HeadlessChromium() {}

    /** True when /usr/bin/chromium exists (use with {@code assumeTrue}). */
    public static boolean available() {
        return Files.isExecutable(BINARY);
    }

    /** {@link #dumpDom(URI, Duration, Duration)} with 5 s of virtual time and a 60 s timeout. */
    public static String dumpDom(String url) {
        return dumpDom(URI.create(url), Duration.ofSeconds(5), Duration.ofSeconds(60));
    }

    /**
     * @param virtualTimeBudget how much page time (timers, fetches) to let pass before dumping; the browser fast-forwards
     *                          idle time, so this is usually much quicker in real time
     * @param timeout           real time limit for the whole browser run
     */
    public static String dumpDom(URI url, Duration virtualTimeBudget, Duration timeout) {
        if (!available()) {
            throw new IllegalStateException(BINARY + " is not installed (apt-get install chromium)");
        }
        TestProcesses.requireLoopback(url.getHost(), url.toString());
        Path work = null;
        Process process = null;
        try {
            work = Files.createTempDirectory("gantry-chromium-");
            Path dom = work.resolve("dom.html");
            Path err = work.resolve("stderr.log");
            // setsid: Chromium's helpers (zygote, renderer, ...) share its new process group, killed as one.
            var command = List.of("setsid", BINARY.toString(),
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                    "--disable-background-networking", "--disable-sync", "--disable-crash-reporter",
                    "--user-data-dir=" + work.resolve("profile"),
                    "--virtual-time-budget=" + virtualTimeBudget.toMillis(),
                    "--dump-dom", url.toString());
            process = new ProcessBuilder(command)
                    .redirectOutput(dom.toFile())
                    .redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("chromium did not finish loading " + url + " within " + timeout
                        + "; stderr: " + TestProcesses.tail(err, 2000));
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("chromium exited with " + process.exitValue() + " loading " + url
                        + "; stderr: " + TestProcesses.tail(err, 2000));
            }
            return Files.readString(dom, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while chromium loaded " + url, e);
        } finally {
            if (process != null) {
                TestProcesses.killGroup(process);
            }
            TestProcesses.deleteTree(work);
        }
    }
}
