package io.gantry.agent;

import io.gantry.agent.runtime.ContainerRuntime;
import io.gantry.agent.runtime.Mounts;
import io.gantry.agent.runtime.RuntimeSettings;
import io.gantry.proto.Assignment;
import io.gantry.proto.ContainerState;
import io.gantry.proto.ContainerStatus;
import io.gantry.proto.WorkloadSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/** A dedicated data dir, runc root and cgroup parent per test, and a check that nothing is left behind. */
public final class RuntimeFixture {
    public final Path dataDir;
    public final Path runcRoot;
    public final String cgroupParent;
    public final BusyboxImages images;
    public final List<ContainerStatus> events = Collections.synchronizedList(new ArrayList<>());
    private final Path base;

    public RuntimeFixture(Path tempDir) throws IOException {
        String suffix = Long.toHexString(new Random().nextLong() & 0xffffffffL);
        this.base = tempDir;
        this.dataDir = Files.createDirectories(tempDir.resolve("data"));
        this.runcRoot = Path.of("/run/gantry-test-" + suffix, "runc");
        this.cgroupParent = "gantry-test-" + suffix;
        this.images = new BusyboxImages(Files.createDirectories(tempDir.resolve("images")));
    }

    public RuntimeSettings settings() {
        return new RuntimeSettings(dataDir, Path.of("/usr/sbin/runc"), Path.of("/usr/bin/conmon"), runcRoot, cgroupParent, 4096);
    }

    public ContainerRuntime newRuntime() {
        return new ContainerRuntime(settings(), images, Clock.systemUTC(), () -> "127.0.0.1:5000", events::add);
    }

    public static String newId() {
        return String.format("%012x", new Random().nextLong() & 0xffffffffffffL);
    }

    public static Assignment assignment(String id, WorkloadSpec spec) {
        return Assignment.newBuilder().setWorkloadId(id).setSpec(spec).setPlacementVersion(1).build();
    }

    public static WorkloadSpec.Builder sh(String script) {
        return WorkloadSpec.newBuilder().setName("t").setImage("busybox").addCommand("sh").addCommand("-c").addCommand(script);
    }

    public List<ContainerState> states(String id) {
        synchronized (events) {
            return events.stream().filter(e -> e.getWorkloadId().equals(id)).map(ContainerStatus::getState).toList();
        }
    }

    /** Fails when anything is left: mounts, runc state, cgroup dirs, conmon processes. Then removes the parents. */
    public void assertClean() throws IOException {
        List<String> problems = new ArrayList<>();
        if (!Mounts.under(base).isEmpty()) {
            problems.add("mounts left: " + Mounts.under(base));
        }
        if (Files.isDirectory(runcRoot)) {
            try (Stream<Path> s = Files.list(runcRoot)) {
                List<Path> left = s.toList();
                if (!left.isEmpty()) {
                    problems.add("runc containers left: " + left);
                }
            }
        }
        List<Path> conmons = ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains(dataDir.toString()))
                .map(p -> Path.of("/proc/" + p.pid()))
                .toList();
        if (!conmons.isEmpty()) {
            problems.add("processes left: " + conmons);
        }
        for (Path hierarchy : cgroupHierarchies()) {
            Path parent = hierarchy.resolve(cgroupParent);
            if (Files.isDirectory(parent)) {
                try (Stream<Path> s = Files.list(parent)) {
                    List<Path> children = s.filter(Files::isDirectory).toList();
                    if (!children.isEmpty()) {
                        problems.add("cgroups left: " + children);
                    }
                }
                Files.delete(parent);
            }
        }
        deleteQuietly(runcRoot);
        deleteQuietly(runcRoot.resolveSibling("runc-attach"));
        deleteQuietly(runcRoot.getParent());
        if (!problems.isEmpty()) {
            throw new AssertionError(String.join("; ", problems));
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(x);
                    }
                }
            }
        } catch (IOException e) {
            // best effort
        }
    }

    private static List<Path> cgroupHierarchies() throws IOException {
        Path root = Path.of("/sys/fs/cgroup");
        if (Files.exists(root.resolve("cgroup.controllers"))) {
            return List.of(root);
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(Files::isDirectory).filter(p -> !Files.isSymbolicLink(p)).toList();
        }
    }
}
