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
            // Helpers that were forking while we killed can outlive the first kill: repeat until the group is empty.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (groupAlive(pgid) && System.nanoTime() < deadline) {
                new ProcessBuilder("kill", "-KILL", "--", "-" + pgid)
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start().waitFor(5, TimeUnit.SECONDS);
                Thread.sleep(50);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether a live (not zombie) process is still in process group {@code pgid}. */
    private static boolean groupAlive(long pgid) {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).anyMatch(p -> {
                try {
                    String stat = Files.readString(p.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    return !f[0].equals("Z") && Long.parseLong(f[2]) == pgid; // state, ppid, pgrp
                } catch (IOException | RuntimeException e) {
                    return false; // gone meanwhile
                }
            });
        } catch (IOException e) {
            return false;
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
        // A browser helper may still be writing while it dies: retry for a few seconds.
        for (int attempt = 0; attempt < 50 && dir != null && Files.exists(dir); attempt++) {
            try (Stream<Path> paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                    try {
                        Files.deleteIfExists(p);
                    } catch (IOException e) {
                        // retried
                    }
                });
            } catch (IOException | UncheckedIOException e) {
                // a file vanished mid-walk: retried
            }
            if (dir != null && Files.exists(dir)) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
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
