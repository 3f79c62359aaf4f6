package io.gantry.e2e;

import io.gantry.ctl.dev.AgentSetup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** What a stopped cluster must not leave behind: mounts, cgroups, monitors, containers' processes. */
final class Residue {
    private Residue() {
    }

    /**
     * Lines describing leftovers that mention {@code dataDir} or live under cgroup
     * {@code cgroupParent}, and the runc state of the agent whose data dir is {@code agentDir}.
     */
    static List<String> find(Path dataDir, String cgroupParent, Path agentDir) throws IOException {
        List<String> found = new ArrayList<>();
        Path runcRoot = AgentSetup.runcRoot(agentDir);
        for (Path p : List.of(runcRoot, runcRoot.resolveSibling(runcRoot.getFileName() + "-attach"))) {
            if (Files.exists(p)) {
                found.add("runc state: " + p);
            }
        }
        String dir = dataDir.toAbsolutePath().toString();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            if (line.contains(dir)) {
                found.add("mount: " + line);
            }
        }
        try (Stream<Path> controllers = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path c : controllers.toList()) {
                if (Files.isDirectory(c.resolve(cgroupParent))) {
                    found.add("cgroup: " + c.resolve(cgroupParent));
                }
            }
        }
        if (Files.isDirectory(Path.of("/sys/fs/cgroup", cgroupParent))) {
            found.add("cgroup: /sys/fs/cgroup/" + cgroupParent);
        }
        ProcessHandle.allProcesses().forEach(p -> {
            String cmd = p.info().commandLine().orElse("");
            if (p.pid() != ProcessHandle.current().pid() && cmd.contains(dir)) {
                found.add("process " + p.pid() + ": " + cmd);
            }
        });
        return found;
    }

    /** Processes whose command line contains {@code marker} (container processes have no data dir in theirs). */
    static List<Long> processesWith(String marker) throws IOException {
        List<Long> pids = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.toList()) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String cmd = new String(Files.readAllBytes(p.resolve("cmdline"))).replace('\0', ' ');
                    if (cmd.contains(marker) && Long.parseLong(name) != ProcessHandle.current().pid()) {
                        pids.add(Long.parseLong(name));
                    }
                } catch (IOException ignored) {
                    // the process ended meanwhile
                }
            }
        }
        return pids;
    }
}
