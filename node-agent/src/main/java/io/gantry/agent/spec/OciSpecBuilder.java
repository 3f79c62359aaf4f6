package io.gantry.agent.spec;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gantry.image.ImageConfig;
import io.gantry.proto.WorkloadSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Builds an OCI runtime config.json for a workload with Gantry's default container profile
 * (Docker's defaults plus no-new-privileges and a pids limit; see container-defaults.md).
 */
public final class OciSpecBuilder {
    /** Docker's 14 default capabilities; CapEff inside the container is 00000000a80425fb. */
    public static final List<String> DEFAULT_CAPABILITIES = List.of(
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
            "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
            "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");
    public static final List<String> MASKED_PATHS = List.of(
            "/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys",
            "/proc/latency_stats", "/proc/sched_debug", "/proc/scsi", "/proc/timer_list",
            "/proc/timer_stats", "/sys/devices/virtual/powercap", "/sys/firmware");
    public static final List<String> READONLY_PATHS = List.of(
            "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");
    public static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    public static final long CPU_PERIOD = 100_000;

    public static final long DEFAULT_SHM_BYTES = 64L << 20;
    /** Where --init's binary appears: on the container's own /dev tmpfs, so the image is never touched. */
    public static final String INIT_PATH = "/dev/init";
    private static final String HOSTNAME = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*";

    private final ObjectMapper json = new ObjectMapper();
    private final String cgroupParent;
    private final long defaultPidsLimit;
    private final long nofileLimit;
    private final Map<String, Long> hostHardLimits;
    private final Path initBinary;
    private final SeccompProfiles seccomp;
    private final List<String> availableCapabilities;
    private final List<Path> protectedHostPaths;

    /**
     * @param cgroupParent     e.g. {@code gantry}: containers go to {@code /<parent>/<id>} (cgroupfs driver)
     * @param defaultPidsLimit used when the workload asks for 0
     * @param nofileLimit      RLIMIT_NOFILE soft=hard for the container; never above the agent's own hard limit
     */
    public OciSpecBuilder(String cgroupParent, long defaultPidsLimit, long nofileLimit) {
        this(cgroupParent, defaultPidsLimit, Map.of("RLIMIT_NOFILE", nofileLimit), Path.of("/usr/bin/catatonit"),
                new SeccompProfiles(SeccompProfiles.hostArch()), Capabilities.ALL, List.of());
    }

    /**
     * @param hostHardLimits the agent's own hard rlimits (RLIMIT_* to value, -1 unlimited): containers never get more;
     *                       RLIMIT_NOFILE is also the container's default soft=hard
     * @param initBinary     a static init (catatonit) bind-mounted for --init
     * @param availableCapabilities what the agent holds itself: --privileged and ALL mean these
     * @param protectedHostPaths    never bind-mounted, nor anything below them (the agent's own state: other
     *                              containers' files, runc's state, conmon's sockets)
     */
    public OciSpecBuilder(String cgroupParent, long defaultPidsLimit, Map<String, Long> hostHardLimits, Path initBinary,
                          SeccompProfiles seccomp, List<String> availableCapabilities, List<Path> protectedHostPaths) {
        this.protectedHostPaths = List.copyOf(protectedHostPaths);
        this.availableCapabilities = List.copyOf(availableCapabilities);
        this.cgroupParent = cgroupParent.replaceAll("^/+|/+$", "");
        this.defaultPidsLimit = defaultPidsLimit;
        this.hostHardLimits = Map.copyOf(hostHardLimits);
        long nofile = hostHardLimits.getOrDefault("RLIMIT_NOFILE", 1024L);
        this.nofileLimit = nofile < 0 ? 1_048_576 : nofile;
        this.initBinary = initBinary;
        this.seccomp = seccomp;
    }

    /** The container's hostname: the one asked for, else the first 12 characters of its id (as Docker). */
    public static String hostname(String id, WorkloadSpec spec) throws SpecException {
        String asked = spec.getHostname();
        if (asked.isEmpty()) {
            return hostname(id);
        }
        if (asked.length() > 253 || !asked.matches(HOSTNAME)) {
            throw new SpecException("invalid hostname \"" + Capabilities.printable(asked) + "\": letters, digits, '-' and '.' only, 63 characters a label");
        }
        return asked;
    }

    public String cgroupsPath(String id) {
        return "/" + cgroupParent + "/" + id;
    }

    public static String hostname(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }

    /** Docker's rules: a given entrypoint replaces the image's and drops the image Cmd; a given command replaces Cmd. */
    public static List<String> args(WorkloadSpec spec, ImageConfig image) throws SpecException {
        List<String> entrypoint = spec.getEntrypointCount() > 0 ? spec.getEntrypointList() : image.entrypoint();
        List<String> cmd;
        if (spec.getCommandCount() > 0) {
            cmd = spec.getCommandList();
        } else if (spec.getEntrypointCount() > 0) {
            cmd = List.of();
        } else {
            cmd = image.cmd();
        }
        List<String> args = new ArrayList<>(entrypoint == null ? List.of() : entrypoint);
        args.addAll(cmd == null ? List.of() : cmd);
        if (args.isEmpty()) {
            throw new SpecException("no command specified: the image has no Cmd or Entrypoint and none was given");
        }
        return args;
    }

    /** Image Env overlaid with the workload's env, then HOSTNAME, and a default PATH when none is set. */
    public static List<String> env(WorkloadSpec spec, ImageConfig image, String hostname) throws SpecException {
        Map<String, String> merged = new LinkedHashMap<>();
        merged.put("PATH", null); // keeps PATH first, like Docker, if it ends up set
        for (String e : image.env() == null ? List.<String>of() : image.env()) {
            put(merged, e);
        }
        for (String e : spec.getEnvList()) {
            if (e.isEmpty() || e.startsWith("=")) {
                throw new SpecException("invalid environment variable: \"" + e + "\"");
            }
            put(merged, e);
        }
        merged.putIfAbsent("HOSTNAME", hostname);
        if (merged.get("HOSTNAME") == null) {
            merged.put("HOSTNAME", hostname);
        }
        if (merged.get("PATH") == null) {
            merged.put("PATH", DEFAULT_PATH);
        }
        if (spec.getTty()) {
            merged.putIfAbsent("TERM", "xterm"); // as Docker does for -t
        }
        List<String> out = new ArrayList<>();
        merged.forEach((k, v) -> out.add(k + "=" + v));
        return out;
    }

    private static void put(Map<String, String> env, String entry) {
        int eq = entry.indexOf('=');
        if (eq < 0) {
            env.put(entry, ""); // "KEY" alone: Docker would take it from the client's env; here it is empty
        } else {
            env.put(entry.substring(0, eq), entry.substring(eq + 1));
        }
    }

    public static String cwd(WorkloadSpec spec, ImageConfig image) {
        if (!spec.getWorkingDir().isEmpty()) {
            return spec.getWorkingDir();
        }
        if (image.workingDir() != null && !image.workingDir().isEmpty()) {
            return image.workingDir();
        }
        return "/";
    }

    public static String userSpec(WorkloadSpec spec, ImageConfig image) {
        if (!spec.getUser().isEmpty()) {
            return spec.getUser();
        }
        return image.user() == null ? "" : image.user();
    }

    /** The full config.json. {@code rootfs} must already hold the container's filesystem (for user lookup). */
    public ObjectNode build(String id, WorkloadSpec spec, ImageConfig image, Path rootfs) throws SpecException {
        return build(id, spec, image, rootfs, VolumeSource.NONE);
    }

    /** The full config.json; named volumes come from {@code volumes}, mount points are made in {@code rootfs}. */
    public ObjectNode build(String id, WorkloadSpec spec, ImageConfig image, Path rootfs, VolumeSource volumes) throws SpecException {
        String hostname = hostname(id, spec);
        var security = spec.getSecurity();
        boolean privileged = security.getPrivileged();
        List<String> capabilities = Capabilities.resolve(security, availableCapabilities);
        List<Rlimits.Rlimit> rlimits = Rlimits.resolve(spec.getUlimitsList(), nofileLimit, hostHardLimits);
        if (spec.getShmSizeBytes() < 0) {
            throw new SpecException("invalid shm size: must not be negative");
        }
        if (spec.getInit() && !Files.isRegularFile(initBinary)) {
            throw new SpecException("--init is not available on this node: " + initBinary + " is missing");
        }
        var seccompConfig = privileged ? Optional.<ObjectNode>empty() : seccomp.forContainer(security.getSeccomp(), capabilities);
        List<String> processArgs = new ArrayList<>();
        if (spec.getInit()) {
            processArgs.addAll(List.of(INIT_PATH, "--"));
        }
        processArgs.addAll(args(spec, image));
        if (!cwd(spec, image).startsWith("/")) {
            throw new SpecException("the working directory '" + cwd(spec, image) + "' is invalid: it needs to be an absolute path");
        }
        ProcessUser user = new UserResolver(rootfs).resolve(userSpec(spec, image));

        ObjectNode root = json.createObjectNode();
        root.put("ociVersion", "1.0.2");

        ObjectNode process = root.putObject("process");
        process.put("terminal", spec.getTty());
        ObjectNode u = process.putObject("user");
        u.put("uid", user.uid());
        u.put("gid", user.gid());
        if (!user.additionalGids().isEmpty()) {
            ArrayNode g = u.putArray("additionalGids");
            user.additionalGids().forEach(g::add);
        }
        strings(process.putArray("args"), processArgs);
        strings(process.putArray("env"), env(spec, image, hostname));
        process.put("cwd", cwd(spec, image));
        ObjectNode caps = process.putObject("capabilities");
        for (String set : List.of("bounding", "effective", "permitted")) {
            strings(caps.putArray(set), capabilities);
        }
        ArrayNode limits = process.putArray("rlimits");
        for (Rlimits.Rlimit r : rlimits) {
            limits.addObject().put("type", r.type()).put("hard", r.jsonHard()).put("soft", r.jsonSoft());
        }
        process.put("noNewPrivileges", !security.getAllowNewPrivileges());

        ObjectNode rootNode = root.putObject("root");
        rootNode.put("path", rootfs.toAbsolutePath().toString());
        rootNode.put("readonly", spec.getReadOnlyRootfs());
        root.put("hostname", hostname);

        ArrayNode mounts = root.putArray("mounts");
        mount(mounts, "/proc", "proc", "proc", "nosuid", "noexec", "nodev");
        mount(mounts, "/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k");
        mount(mounts, "/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5");
        String sysMode = privileged ? "rw" : "ro"; // --privileged: /sys and the cgroup fs writable
        mount(mounts, "/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", sysMode);
        mount(mounts, "/sys/fs/cgroup", "cgroup", "cgroup", "nosuid", "noexec", "nodev", "relatime", sysMode);
        mount(mounts, "/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev");
        long shm = spec.getShmSizeBytes() > 0 ? spec.getShmSizeBytes() : DEFAULT_SHM_BYTES;
        mount(mounts, "/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=" + shm);
        if (spec.getInit()) {
            mount(mounts, INIT_PATH, "bind", initBinary.toString(), "bind", "ro", "nosuid", "nodev");
        }
        for (ContainerMounts.OciMount m : ContainerMounts.plan(spec.getMountsList(), rootfs.toAbsolutePath(), volumes, protectedHostPaths)) {
            mount(mounts, m.destination(), m.type(), m.source(), m.options().toArray(String[]::new));
        }

        ObjectNode linux = root.putObject("linux");
        ObjectNode resources = linux.putObject("resources");
        ArrayNode devices = resources.putArray("devices");
        if (privileged) {
            devices.addObject().put("allow", true).put("access", "rwm");
        } else {
            defaultDevices(devices);
        }

        var res = spec.getResources();
        if (res.getMemoryBytes() < 0 || res.getCpuMillis() < 0 || res.getPidsLimit() < 0) {
            throw new SpecException("resource limits must not be negative");
        }
        if (res.getMemoryBytes() > 0) {
            if (res.getMemoryBytes() < 6 * 1024 * 1024) {
                throw new SpecException("minimum memory limit allowed is 6MB");
            }
            // swap = limit: memory+swap may not exceed the memory limit, so no escape into swap.
            resources.putObject("memory").put("limit", res.getMemoryBytes()).put("swap", res.getMemoryBytes());
        }
        if (res.getCpuMillis() > 0) {
            // The kernel refuses quotas below 1 ms.
            long quota = Math.max(1000, res.getCpuMillis() * CPU_PERIOD / 1000);
            resources.putObject("cpu").put("quota", quota).put("period", CPU_PERIOD);
        }
        resources.putObject("pids").put("limit", res.getPidsLimit() > 0 ? res.getPidsLimit() : defaultPidsLimit);

        linux.put("cgroupsPath", cgroupsPath(id));
        ArrayNode namespaces = linux.putArray("namespaces");
        for (String ns : List.of("pid", "network", "ipc", "uts", "mount")) {
            namespaces.addObject().put("type", ns); // no path: new namespaces; runc brings up lo in the new netns
        }
        if (!privileged) {
            strings(linux.putArray("maskedPaths"), MASKED_PATHS);
            strings(linux.putArray("readonlyPaths"), READONLY_PATHS);
        }
        seccompConfig.ifPresent(sc -> linux.set("seccomp", sc));
        return root;
    }

    /** Deny all, then the standard character devices and pts; fuse stays denied. */
    private static void defaultDevices(ArrayNode devices) {
        devices.addObject().put("allow", false).put("access", "rwm");
        for (long[] d : new long[][] {{1, 3}, {1, 5}, {1, 7}, {1, 8}, {1, 9}, {5, 0}, {5, 1}, {5, 2}}) {
            devices.addObject().put("allow", true).put("type", "c").put("major", d[0]).put("minor", d[1]).put("access", "rwm");
        }
        devices.addObject().put("allow", true).put("type", "c").put("major", 136).put("access", "rwm"); // pts: any minor
        devices.addObject().put("allow", false).put("type", "c").put("major", 10).put("minor", 229).put("access", "rwm"); // fuse
    }

    private static void mount(ArrayNode mounts, String destination, String type, String source, String... options) {
        ObjectNode m = mounts.addObject();
        m.put("destination", destination);
        m.put("type", type);
        m.put("source", source);
        strings(m.putArray("options"), List.of(options));
    }

    private static void strings(ArrayNode array, List<String> values) {
        values.forEach(array::add);
    }
}
