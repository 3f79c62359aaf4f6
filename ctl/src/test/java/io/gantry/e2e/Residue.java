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

    /** {@link #find}, plus container networking left in the host's namespace: for after a cluster stopped. */
    static List<String> findAfterStop(Path dataDir, String cgroupParent, Path agentDir) throws IOException {
        List<String> found = new ArrayList<>(find(dataDir, cgroupParent, agentDir));
        found.addAll(hostNetworking());
        return found;
    }

    /** Container networking left in the host's own namespace: links, namespaces, iptables chains and rules. */
    static List<String> hostNetworking() {
        List<String> found = new ArrayList<>();
        try {
            for (String line : run("ip", "-o", "link", "show")) {
                String[] f = line.split(":\\s+");
                if (f.length > 1 && f[1].startsWith("gnt")) {
                    found.add("link: " + f[1]);
                }
            }
            for (String line : run("ip", "netns", "list")) {
                if (line.startsWith("gnt-")) {
                    found.add("netns: " + line);
                }
            }
            for (String line : run("iptables-save")) {
                if (line.contains("GANTRY")) {
                    found.add("iptables: " + line);
                }
            }
        } catch (IOException e) {
            found.add("cannot list host networking: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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

    /**
     * What a local cluster ({@code gantry local-cluster}) must not leave behind: its network
     * namespaces and links (named gantry-lc*), cgroups named gantry-lc in any hierarchy, and,
     * like {@link #find}, mounts, processes and runc state of its data dir and agents.
     */
    static List<String> localCluster(Path stateDir, Path dataDir, List<Path> agentDirs) throws IOException, InterruptedException {
        List<String> found = new ArrayList<>();
        for (String line : run("ip", "netns", "list")) {
            if (line.startsWith("gantry-lc")) {
                found.add("netns: " + line);
            }
        }
        for (Path agentDir : agentDirs) { // agentnet: the agents' container namespaces and network state
            Path runcRoot = io.gantry.ctl.dev.AgentSetup.runcRoot(agentDir);
            String prefix = "gnt-" + io.gantry.agent.net.NetworkOptions.tagFor(agentDir.getFileName().toString(), runcRoot) + "-";
            for (String line : run("ip", "netns", "list")) {
                if (line.startsWith(prefix)) {
                    found.add("netns: " + line);
                }
            }
            Path net = io.gantry.agent.net.NetworkOptions.stateDirFor(runcRoot);
            if (Files.exists(net)) {
                found.add("directory: " + net);
            }
        }
        for (String line : run("ip", "-o", "link", "show")) {
            String[] parts = line.split(":\\s+", 3);
            if (parts.length > 1 && parts[1].startsWith("gantry-lc")) {
                found.add("link: " + parts[1]);
            }
        }
        try (Stream<Path> controllers = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path c : controllers.toList()) {
                if (Files.isDirectory(c.resolve("gantry-lc"))) {
                    found.add("cgroup: " + c.resolve("gantry-lc"));
                }
            }
        }
        if (Files.isDirectory(Path.of("/sys/fs/cgroup/gantry-lc"))) {
            found.add("cgroup: /sys/fs/cgroup/gantry-lc");
        }
        for (Path agentDir : agentDirs) {
            for (String line : find(dataDir, "gantry-lc", agentDir)) {
                if (!found.contains(line)) {
                    found.add(line);
                }
            }
        }
        for (Path dir : List.of(stateDir, dataDir)) {
            if (Files.exists(dir)) {
                found.add("directory: " + dir);
            }
        }
        return found;
    }

    private static List<String> run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out.lines().toList();
    }
}
