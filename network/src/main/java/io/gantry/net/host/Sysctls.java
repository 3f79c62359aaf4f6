package io.gantry.net.host;

import io.gantry.net.NetworkException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Sets sysctls in the node's namespace and journals each original value (one file per key in
 * {@code journalDir}) before the first change, so that {@link #restoreAll()} undoes exactly
 * what Gantry changed, even after an agent restart.
 */
public final class Sysctls {
    private final HostCommands node;
    private final Path journalDir;

    public Sysctls(HostCommands node, Path journalDir) {
        this.node = node;
        this.journalDir = journalDir;
    }

    public String get(String key) {
        return node.run("sysctl", "-n", key).strip();
    }

    /** Sets key=value, remembering the original value the first time Gantry changes it. */
    public void set(String key, String value) {
        String current = get(key);
        if (current.equals(value)) {
            return;
        }
        Path entry = journalDir.resolve(key);
        try {
            Files.createDirectories(journalDir);
            if (!Files.exists(entry)) {
                Files.writeString(entry, current + "\n", StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new NetworkException("cannot journal sysctl " + key + " in " + journalDir + ": " + e.getMessage(), e);
        }
        node.run("sysctl", "-q", "-w", key + "=" + value);
    }

    /** Sets a sysctl that lives and dies with a Gantry link (e.g. its route_localnet): nothing to journal. */
    public void setVolatile(String key, String value) {
        node.run("sysctl", "-q", "-w", key + "=" + value);
    }

    /** Puts every journaled sysctl back to its original value and forgets it. */
    public void restoreAll() {
        if (!Files.isDirectory(journalDir)) {
            return;
        }
        try (Stream<Path> entries = Files.list(journalDir)) {
            for (Path e : entries.toList()) {
                String key = e.getFileName().toString();
                String original = Files.readString(e, StandardCharsets.UTF_8).strip();
                node.tryRun("sysctl", "-q", "-w", key + "=" + original);
                Files.delete(e);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public List<String> journaled() {
        if (!Files.isDirectory(journalDir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(journalDir)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
