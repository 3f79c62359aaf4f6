package io.gantry.agent.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Reads OOM kills from and cleans up cgroup directories, on cgroup v1 (incl. hybrid) and v2. */
public final class Cgroups {
    private final Path root;

    public Cgroups(Path root) {
        this.root = root;
    }

    public static Cgroups host() {
        return new Cgroups(Path.of("/sys/fs/cgroup"));
    }

    public boolean unifiedOnly() {
        return Files.exists(root.resolve("cgroup.controllers"));
    }

    /** True when the kernel OOM-killed a process in this cgroup (v2 memory.events, v1 memory.oom_control). */
    public boolean oomKilled(String cgroupsPath) {
        String rel = relative(cgroupsPath);
        Path file = unifiedOnly()
                ? root.resolve(rel).resolve("memory.events")
                : root.resolve("memory").resolve(rel).resolve("memory.oom_control");
        try {
            for (String line : Files.readAllLines(file)) {
                String[] kv = line.trim().split("\\s+");
                if (kv.length == 2 && kv[0].equals("oom_kill") && Long.parseLong(kv[1]) > 0) {
                    return true;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return false;
        }
        return false;
    }

    /** Removes the cgroup directory (and empty children) in every hierarchy it exists in. */
    public void remove(String cgroupsPath) {
        String rel = relative(cgroupsPath);
        for (Path base : hierarchies()) {
            Path dir = base.resolve(rel);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> walk = Files.walk(dir)) {
                // Only directories: cgroup control files cannot (and need not) be deleted, rmdir suffices.
                for (Path d : walk.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(d);
                }
            } catch (IOException e) {
                // Busy (processes still inside) — left for the caller to notice.
            }
        }
    }

    List<Path> hierarchies() {
        List<Path> out = new ArrayList<>();
        if (unifiedOnly()) {
            out.add(root);
            return out;
        }
        try (Stream<Path> s = Files.list(root)) {
            s.filter(Files::isDirectory).filter(p -> !Files.isSymbolicLink(p)).forEach(out::add);
        } catch (IOException e) {
            // no cgroup fs: nothing to clean
        }
        return out;
    }

    private static String relative(String cgroupsPath) {
        String rel = cgroupsPath.replaceAll("^/+", "");
        if (rel.isEmpty() || rel.contains("..")) {
            throw new IllegalArgumentException("bad cgroup path " + cgroupsPath);
        }
        return rel;
    }
}
