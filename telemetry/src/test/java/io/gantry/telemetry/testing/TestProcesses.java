package io.gantry.telemetry.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Process-group and temp-dir cleanup shared by the test helpers. */
final class TestProcesses {
    private TestProcesses() {}

    /**
     * Ends a process started through {@code setsid} together with everything in its process group
     * (browsers fork helpers that outlive a killed parent otherwise).
     */
    static void killGroup(Process process) {
        long pgid = process.pid();
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            // The group may already be empty: kill then fails, which is fine.
            new ProcessBuilder("kill", "-KILL", "--", "-" + pgid)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start().waitFor(5, TimeUnit.SECONDS);
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Tests only ever talk to this machine: refuse anything that is not a loopback address. */
    static void requireLoopback(String host, String what) {
        String h = host == null ? "" : host.replace("[", "").replace("]", "");
        try {
            if (!h.isEmpty() && InetAddress.getByName(h).isLoopbackAddress()) {
                return;
            }
        } catch (UnknownHostException e) {
            // fall through
        }
        throw new IllegalArgumentException("test helpers only talk to loopback addresses, not " + what);
    }

    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // a browser helper may still be writing: retried below
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String tail(Path file, int maxChars) {
        try {
            String text = Files.exists(file) ? Files.readString(file) : "";
            return text.length() <= maxChars ? text : text.substring(text.length() - maxChars);
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")";
        }
    }
}
