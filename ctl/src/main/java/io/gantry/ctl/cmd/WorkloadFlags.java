package io.gantry.ctl.cmd;

import io.gantry.ctl.cli.Flags;
import io.gantry.image.ImageException;
import io.gantry.image.ImageReference;
import io.gantry.proto.Resources;
import io.gantry.proto.WorkloadSpec;
import io.gantry.agent.spec.Capabilities;
import io.gantry.agent.spec.ContainerMounts;
import io.gantry.agent.spec.Rlimits;
import io.gantry.agent.spec.SeccompProfiles;
import io.gantry.agent.spec.SpecException;
import io.gantry.proto.HealthCheck;
import io.gantry.proto.Mount;
import io.gantry.proto.SecurityOptions;
import io.gantry.proto.Ulimit;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.List;
import java.util.Map;

/**
 * The flags that describe one container, shared by {@code run} and {@code service create}
 * (a service's template is the spec {@code run} would submit). Mixed in with {@code @Mixin}.
 */
public final class WorkloadFlags {
    @Option(names = {"-e", "--env"}, paramLabel = "KEY=VALUE", description = "Set an environment variable (KEY alone passes this shell's value)")
    List<String> env = new ArrayList<>();

    @Option(names = "--env-file", paramLabel = "FILE", description = "Read environment variables from a file, one KEY=VALUE per line (-e wins)")
    List<java.nio.file.Path> envFiles = new ArrayList<>();

    @Option(names = {"-m", "--memory"}, paramLabel = "BYTES", description = "Memory limit, e.g. 64m, 1g")
    String memory;

    @Option(names = "--cpus", paramLabel = "N", description = "Number of CPUs, e.g. 0.5")
    String cpus;

    @Option(names = "--pids-limit", paramLabel = "N", description = "Maximum number of processes (default: the node's, 4096)")
    Long pidsLimit;

    /** Null when not given: {@code run} defaults to no, {@code service create} to always. */
    @Option(names = "--restart", paramLabel = "POLICY", description = "no | on-failure[:max-retries] | always | unless-stopped (default: no; for a service: always)")
    String restart;

    @Option(names = {"-w", "--workdir"}, paramLabel = "DIR", description = "Working directory inside the container")
    String workdir;

    @Option(names = {"-u", "--user"}, paramLabel = "USER[:GROUP]", description = "User (name or uid) to run as")
    String user;

    @Option(names = "--entrypoint", paramLabel = "CMD", description = "Overwrite the image's entrypoint")
    String entrypoint;

    @Option(names = {"-l", "--label"}, paramLabel = "KEY=VALUE", description = "Set metadata on the container")
    List<String> labels = new ArrayList<>();

    // -h is taken by the inherited --help (Main's INHERIT scope): only the long form here.
    @Option(names = "--hostname", paramLabel = "NAME", description = "Container host name (default: the first 12 hex of its id)")
    String hostname;

    @Option(names = "--read-only", description = "Mount the container's root filesystem read-only")
    boolean readOnly;

    @Option(names = "--cap-add", paramLabel = "CAP", description = "Add a Linux capability (e.g. NET_ADMIN, or ALL)")
    List<String> capAdd = new ArrayList<>();

    @Option(names = "--cap-drop", paramLabel = "CAP", description = "Drop a Linux capability (e.g. NET_RAW, or ALL)")
    List<String> capDrop = new ArrayList<>();

    @Option(names = "--privileged", description = "Give the container every capability and device, no seccomp (dangerous)")
    boolean privileged;

    @Option(names = "--security-opt", paramLabel = "OPT",
            description = "no-new-privileges[=true|false], seccomp=unconfined or seccomp=PROFILE.json")
    List<String> securityOpts = new ArrayList<>();

    @Option(names = "--ulimit", paramLabel = "NAME=SOFT[:HARD]", description = "Resource limit, e.g. nofile=1024:2048 (-1 = unlimited)")
    List<String> ulimits = new ArrayList<>();

    @Option(names = "--shm-size", paramLabel = "BYTES", description = "Size of /dev/shm, e.g. 64m (default 64m)")
    String shmSize;

    @Option(names = "--init", description = "Run an init as PID 1 that reaps zombies and forwards signals")
    boolean init;

    @Option(names = {"-v", "--volume"}, paramLabel = "SRC:DST[:ro|rw]",
            description = "Bind mount a host path (SRC absolute) or mount a named volume")
    List<String> volumes = new ArrayList<>();

    @Option(names = "--tmpfs", paramLabel = "PATH[:size=..,mode=..]", description = "Mount a tmpfs")
    List<String> tmpfs = new ArrayList<>();

    @Option(names = "--mount", paramLabel = "type=bind|volume|tmpfs,src=..,dst=..[,readonly]", description = "Attach a mount (long form)")
    List<String> mounts = new ArrayList<>();

    @Option(names = "--health-cmd", paramLabel = "CMD", description = "Command to run to check health (run with /bin/sh -c)")
    String healthCmd;

    @Option(names = "--health-interval", paramLabel = "DURATION", description = "Time between running the check (default 30s)")
    String healthInterval;

    @Option(names = "--health-timeout", paramLabel = "DURATION", description = "Maximum time to allow one check to run (default 30s)")
    String healthTimeout;

    @Option(names = "--health-retries", paramLabel = "N", description = "Consecutive failures needed to report unhealthy (default 3)")
    Integer healthRetries;

    @Option(names = "--health-start-period", paramLabel = "DURATION", description = "Start period during which failures do not count (default 0s)")
    String healthStartPeriod;

    @Option(names = "--no-healthcheck", description = "Disable any container-specified HEALTHCHECK")
    boolean noHealthcheck;

    @Option(names = "--health-on-failure", paramLabel = "ACTION", description = "What to do when unhealthy: none (default), kill, restart or stop")
    String healthOnFailure;

    @Option(names = {"-p", "--publish"}, paramLabel = "[IP:][HOST_PORT:]PORT[/tcp|udp]",
            description = "Publish a container's port(s) on the node (ranges allowed; PORT alone picks a free host port)")
    List<String> publish = new ArrayList<>();

    @Option(names = "--network", paramLabel = "NETWORK", description = "bridge (default), host, none, or an overlay network (repeatable)")
    List<String> network = new ArrayList<>();

    @Option(names = "--network-alias", paramLabel = "ALIAS", description = "Another DNS name for the container on its overlay network")
    List<String> networkAliases = new ArrayList<>();

    @Option(names = "--dns", paramLabel = "IP", description = "A DNS server for the container instead of the built-in one")
    List<String> dns = new ArrayList<>();

    @Option(names = "--add-host", paramLabel = "HOST:IP", description = "Add a line to /etc/hosts")
    List<String> addHosts = new ArrayList<>();

    @Option(names = "--log-opt", paramLabel = "KEY=VALUE", description = "Log option: max-size=10m, max-file=3")
    List<String> logOpts = new ArrayList<>();

    @Option(names = "--stop-signal", paramLabel = "SIGNAL", description = "Signal to stop the container (default: the image's, else SIGTERM)")
    String stopSignal;

    /** The command using this mixin: where the --privileged warning goes. */
    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec mixee;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "Image, e.g. busybox or 127.0.0.1:5000/app:1.0")
    String image;

    @Parameters(index = "1..*", paramLabel = "COMMAND", description = "Command and arguments")
    List<String> command = new ArrayList<>();

    /**
     * The spec these flags describe (no name). Throws IllegalArgumentException with a
     * one-line message on a bad value; {@code callerEnv} serves {@code -e KEY}.
     */
    WorkloadSpec.Builder toSpec(String defaultRestart, Map<String, String> callerEnv) {
        checkImage(image);
        Resources.Builder res = Resources.newBuilder();
        if (memory != null) {
            res.setMemoryBytes(Flags.memory("--memory", memory));
        }
        if (cpus != null) {
            res.setCpuMillis(Flags.cpuMillis(cpus));
        }
        if (pidsLimit != null) {
            res.setPidsLimit(Flags.pidsLimit(pidsLimit));
        }
        WorkloadSpec.Builder b = WorkloadSpec.newBuilder()
                .setImage(image)
                .addAllCommand(command)
                .setResources(res)
                .setRestart(Flags.restart(restart != null ? restart : defaultRestart));
        for (var file : envFiles) {
            b.addAllEnv(Flags.envFile(file, callerEnv)); // first, so that -e overrides, as in Docker
        }
        for (String e : env) {
            String kv = Flags.env(e, callerEnv);
            if (kv != null) {
                b.addEnv(kv);
            }
        }
        if (workdir != null) {
            b.setWorkingDir(workdir);
        }
        if (user != null) {
            b.setUser(user);
        }
        if (entrypoint != null) {
            b.addEntrypoint(entrypoint);
        }
        for (String label : labels) {
            Flags.putLabel(b.getMutableLabels(), label);
        }
        addContainerOptions(b);
        addHealthAndLogs(b);
        addNetworking(b);
        // Like Docker's --with-registry-auth: the nodes pull with the credentials `gantry login` stored here.
        io.gantry.ctl.cli.RegistryCredentialsLookup.forThisUser().forImage(image).ifPresent(b::setRegistryAuth);
        return b;
    }

    /** -p, --network, --network-alias, --dns, --add-host. */
    private void addNetworking(WorkloadSpec.Builder b) {
        String mode = "";
        var overlays = new ArrayList<String>();
        for (String n : network) {
            if (n.isBlank()) {
                throw new IllegalArgumentException("--network must not be empty");
            }
            if (n.equals("bridge") || n.equals("host") || n.equals("none")) {
                if (!mode.isEmpty() && !mode.equals(n)) {
                    throw new IllegalArgumentException("conflicting options: --network " + mode + " and --network " + n);
                }
                mode = n;
            } else {
                overlays.add(n);
            }
        }
        if ((mode.equals("host") || mode.equals("none")) && !overlays.isEmpty()) {
            throw new IllegalArgumentException("conflicting options: --network " + mode + " cannot be combined with other networks");
        }
        if (!networkAliases.isEmpty() && overlays.isEmpty()) {
            throw new IllegalArgumentException("--network-alias is only supported on overlay networks (use --network NAME)");
        }
        b.setNetworkMode(mode);
        for (int i = 0; i < overlays.size(); i++) {
            var a = io.gantry.proto.NetworkAttachment.newBuilder().setNetwork(overlays.get(i));
            if (i == 0) {
                a.addAllAliases(networkAliases); // Docker: aliases apply to the network given with them
            }
            b.addNetworks(a);
        }
        try {
            for (var m : io.gantry.net.ports.PortSpecs.parseAll(publish)) {
                b.addPorts(io.gantry.proto.PortMapping.newBuilder().setHostIp(m.hostIp() == null ? "" : m.hostIp())
                        .setHostPort(m.hostPort()).setContainerPort(m.containerPort()).setProtocol(m.protocol().lower()));
            }
        } catch (io.gantry.net.NetworkException e) {
            throw new IllegalArgumentException("invalid argument for -p: " + e.getMessage());
        }
        if (mode.equals("host") && b.getPortsCount() > 0) {
            PrintWriter err = mixee != null ? mixee.commandLine().getErr() : new PrintWriter(System.err, true);
            err.println("WARNING: published ports are discarded when using host network mode");
            err.flush();
            b.clearPorts();
        }
        for (String d : dns) {
            checkIpv4("--dns", d);
            b.addDns(d);
        }
        for (String h : addHosts) {
            int colon = h.indexOf(':');
            if (colon <= 0 || colon == h.length() - 1) {
                throw new IllegalArgumentException("invalid argument \"" + h + "\" for \"--add-host\": expected HOST:IP");
            }
            checkIpv4("--add-host", h.substring(colon + 1));
            b.addExtraHosts(h);
        }
    }

    private static void checkIpv4(String flag, String ip) {
        if (!ip.matches("(25[0-5]|2[0-4]\\d|1?\\d?\\d)(\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)){3}")) {
            throw new IllegalArgumentException("invalid argument \"" + ip + "\" for \"" + flag + "\": not an IPv4 address");
        }
    }

    /** --health-*, --no-healthcheck, --log-opt, --stop-signal. */
    private void addHealthAndLogs(WorkloadSpec.Builder b) {
        boolean anyHealth = healthCmd != null || healthInterval != null || healthTimeout != null || healthRetries != null
                || healthStartPeriod != null || healthOnFailure != null;
        if (noHealthcheck && anyHealth) {
            throw new IllegalArgumentException("--no-healthcheck conflicts with --health-* options");
        }
        if (noHealthcheck) {
            b.setHealthcheck(HealthCheck.newBuilder().setDisabled(true).addTest("NONE"));
        } else if (anyHealth) {
            var h = HealthCheck.newBuilder();
            if (healthCmd != null) {
                if (healthCmd.isBlank()) {
                    throw new IllegalArgumentException("--health-cmd must not be empty");
                }
                h.addTest("CMD-SHELL").addTest(healthCmd);
            }
            if (healthInterval != null) {
                h.setIntervalMs(positive("--health-interval", healthInterval));
            }
            if (healthTimeout != null) {
                h.setTimeoutMs(positive("--health-timeout", healthTimeout));
            }
            if (healthStartPeriod != null) {
                h.setStartPeriodMs(io.gantry.ctl.cli.Durations.parse("--health-start-period", healthStartPeriod).toMillis());
            }
            if (healthRetries != null) {
                if (healthRetries < 0) {
                    throw new IllegalArgumentException("--health-retries cannot be negative");
                }
                h.setRetries(healthRetries);
            }
            if (healthOnFailure != null) {
                h.setOnFailure(switch (healthOnFailure.toLowerCase(Locale.ROOT)) {
                    case "none" -> HealthCheck.OnFailure.NONE;
                    case "kill" -> HealthCheck.OnFailure.KILL;
                    case "restart" -> HealthCheck.OnFailure.RESTART;
                    case "stop" -> HealthCheck.OnFailure.STOP;
                    default -> throw new IllegalArgumentException("invalid --health-on-failure \"" + healthOnFailure
                            + "\": use none, kill, restart or stop");
                });
            }
            b.setHealthcheck(h);
        }
        for (String opt : logOpts) {
            int eq = opt.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("invalid --log-opt \"" + opt + "\": expected KEY=VALUE, e.g. max-size=10m");
            }
            String key = opt.substring(0, eq);
            String value = opt.substring(eq + 1);
            switch (key) {
                case "max-size" -> size("--log-opt max-size", value);
                case "max-file" -> {
                    if (!value.matches("[1-9]\\d{0,3}")) {
                        throw new IllegalArgumentException("invalid --log-opt max-file=" + value + ": expected a number from 1");
                    }
                }
                default -> throw new IllegalArgumentException("unknown log option \"" + key + "\": use max-size or max-file");
            }
            b.putLogOptions(key, value);
        }
        if (stopSignal != null) {
            try {
                b.setStopSignal(io.gantry.scheduler.core.Signals.canonical(stopSignal));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("invalid --stop-signal: " + e.getMessage());
            }
        }
    }

    private static long positive(String flag, String value) {
        long ms = io.gantry.ctl.cli.Durations.parse(flag, value).toMillis();
        if (ms <= 0) {
            throw new IllegalArgumentException("invalid argument \"" + value + "\" for \"" + flag + "\": must be above 0");
        }
        return ms;
    }

    /** Fields 15-21: hostname, read-only, security, ulimits, shm size, init, mounts. */
    private void addContainerOptions(WorkloadSpec.Builder b) {
        if (hostname != null) {
            b.setHostname(hostname);
        }
        b.setReadOnlyRootfs(readOnly).setInit(init);
        SecurityOptions.Builder sec = SecurityOptions.newBuilder().setPrivileged(privileged);
        try {
            sec.addAllCapAdd(Capabilities.normalize(capAdd).stream().map(WorkloadFlags::shortCap).toList());
            sec.addAllCapDrop(Capabilities.normalize(capDrop).stream().map(WorkloadFlags::shortCap).toList());
        } catch (SpecException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        for (String opt : securityOpts) {
            securityOpt(sec, opt);
        }
        b.setSecurity(sec);
        for (String u : ulimits) {
            b.addUlimits(ulimit(u));
        }
        if (shmSize != null) {
            b.setShmSizeBytes(size("--shm-size", shmSize));
        }
        for (String v : volumes) {
            b.addMounts(volume(v));
        }
        for (String t : tmpfs) {
            b.addMounts(tmpfs(t));
        }
        for (String m : mounts) {
            b.addMounts(mount(m));
        }
        if (privileged) {
            PrintWriter err = mixee != null ? mixee.commandLine().getErr() : new PrintWriter(System.err, true);
            err.println("WARNING: --privileged: the container gets every capability and device and no seccomp profile");
            err.flush();
        }
    }

    private static String shortCap(String cap) {
        return cap.startsWith("CAP_") ? cap.substring(4) : cap;
    }

    private static void securityOpt(SecurityOptions.Builder sec, String opt) {
        int eq = opt.indexOf('=') >= 0 ? opt.indexOf('=') : opt.indexOf(':'); // Docker also takes the old KEY:VALUE form
        String key = eq < 0 ? opt : opt.substring(0, eq);
        String value = eq < 0 ? null : opt.substring(eq + 1);
        switch (key) {
            case "no-new-privileges" -> {
                if (value == null || value.equals("true")) {
                    sec.setAllowNewPrivileges(false);
                } else if (value.equals("false")) {
                    sec.setAllowNewPrivileges(true);
                } else {
                    throw new IllegalArgumentException("invalid --security-opt \"" + opt + "\": no-new-privileges takes true or false");
                }
            }
            case "seccomp" -> {
                if (value == null || value.isEmpty()) {
                    throw new IllegalArgumentException("invalid --security-opt \"" + opt + "\": seccomp=unconfined or seccomp=PROFILE.json");
                }
                if (value.equals("unconfined")) {
                    sec.setSeccomp("unconfined");
                    return;
                }
                String profile;
                try {
                    profile = Files.readString(Path.of(value));
                } catch (IOException | RuntimeException e) {
                    throw new IllegalArgumentException("opening seccomp profile (" + value + ") failed: "
                            + (e instanceof NoSuchFileException ? "no such file" : e.getMessage()));
                }
                try {
                    new SeccompProfiles(SeccompProfiles.hostArch()).forContainer(profile, Capabilities.ALL);
                } catch (SpecException e) {
                    throw new IllegalArgumentException(e.getMessage() + " (" + value + ")");
                }
                sec.setSeccomp(profile);
            }
            default -> throw new IllegalArgumentException("invalid --security-opt \"" + opt
                    + "\": use no-new-privileges[=true|false] or seccomp=unconfined|PROFILE.json");
        }
    }

    static Ulimit ulimit(String value) {
        Matcher m = ULIMIT.matcher(value.strip());
        String bad = "invalid argument \"" + value + "\" for \"--ulimit\": ";
        if (!m.matches()) {
            throw new IllegalArgumentException(bad + "use NAME=SOFT[:HARD], e.g. nofile=1024:2048");
        }
        String name = m.group(1).toLowerCase(Locale.ROOT);
        if (!Rlimits.NAMES.containsKey(name)) {
            throw new IllegalArgumentException(bad + "unknown name (one of " + String.join(", ", Rlimits.NAMES.keySet().stream().sorted().toList()) + ")");
        }
        long soft;
        long hard;
        try {
            soft = Long.parseLong(m.group(2));
            hard = m.group(3) == null ? soft : Long.parseLong(m.group(3));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(bad + "value out of range");
        }
        if (soft < -1 || hard < -1) {
            throw new IllegalArgumentException(bad + "values must be -1 (unlimited) or more");
        }
        if (hard != -1 && (soft == -1 || soft > hard)) {
            throw new IllegalArgumentException(bad + "soft limit must not be above the hard limit");
        }
        return Ulimit.newBuilder().setName(name).setSoft(soft).setHard(hard).build();
    }

    /** {@code -v SRC:DST[:ro|rw]}: an absolute SRC is a host path, anything else a volume name. */
    static Mount volume(String value) {
        String bad = "invalid argument \"" + value + "\" for \"--volume\": ";
        String[] parts = value.split(":", -1);
        if (parts.length == 1) {
            throw new IllegalArgumentException(bad + "anonymous volumes are not supported; use NAME:" + value + " or /host/path:" + value);
        }
        if (parts.length > 3 || parts[0].isEmpty()) {
            throw new IllegalArgumentException(bad + "use SRC:DST[:ro|rw]");
        }
        Mount.Builder m = Mount.newBuilder().setSource(parts[0]).setTarget(target(bad, parts[1]));
        if (parts.length == 3) {
            for (String o : parts[2].split(",")) {
                switch (o) {
                    case "ro" -> m.setReadOnly(true);
                    case "rw" -> m.setReadOnly(false);
                    default -> throw new IllegalArgumentException(bad + "unknown option \"" + o + "\" (use ro or rw)");
                }
            }
        }
        if (parts[0].startsWith("/")) {
            m.setType(Mount.Type.BIND);
        } else {
            m.setType(Mount.Type.VOLUME);
            volumeName(bad, parts[0]);
        }
        return m.build();
    }

    /** {@code --tmpfs /path[:size=64m,mode=1777,ro]}. */
    static Mount tmpfs(String value) {
        String bad = "invalid argument \"" + value + "\" for \"--tmpfs\": ";
        int colon = value.indexOf(':');
        Mount.Builder m = Mount.newBuilder().setType(Mount.Type.TMPFS).setTarget(target(bad, colon < 0 ? value : value.substring(0, colon)));
        if (colon >= 0) {
            for (String o : value.substring(colon + 1).split(",")) {
                tmpfsOption(bad, m, o);
            }
        }
        return m.build();
    }

    private static void tmpfsOption(String bad, Mount.Builder m, String o) {
        if (o.startsWith("size=")) {
            m.setTmpfsSizeBytes(sizeOrBad(bad, o.substring(5)));
        } else if (o.startsWith("mode=")) {
            m.setTmpfsMode(mode(bad, o.substring(5)));
        } else if (o.equals("ro")) {
            m.setReadOnly(true);
        } else if (o.equals("rw")) {
            m.setReadOnly(false);
        } else {
            throw new IllegalArgumentException(bad + "unsupported option \"" + o + "\" (size=, mode=, ro, rw)");
        }
    }

    /** {@code --mount type=bind|volume|tmpfs,src=..,dst=..[,readonly][,tmpfs-size=..][,tmpfs-mode=..]}. */
    static Mount mount(String value) {
        String bad = "invalid argument \"" + value + "\" for \"--mount\": ";
        Map<String, String> fields = new LinkedHashMap<>();
        for (String field : value.split(",")) {
            int eq = field.indexOf('=');
            String key = (eq < 0 ? field : field.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
            String v = eq < 0 ? null : field.substring(eq + 1);
            key = switch (key) {
                case "src" -> "source";
                case "dst", "destination" -> "target";
                case "ro" -> "readonly";
                default -> key;
            };
            if (!List.of("type", "source", "target", "readonly", "tmpfs-size", "tmpfs-mode").contains(key)) {
                throw new IllegalArgumentException(bad + "unknown field \"" + field + "\"");
            }
            if (v == null && !key.equals("readonly")) {
                throw new IllegalArgumentException(bad + "field \"" + field + "\" must be a key=value pair");
            }
            if (fields.put(key, v == null ? "true" : v) != null) {
                throw new IllegalArgumentException(bad + "field \"" + key + "\" given twice");
            }
        }
        String type = fields.getOrDefault("type", "volume");
        if (!fields.containsKey("target")) {
            throw new IllegalArgumentException(bad + "target is required");
        }
        Mount.Builder m = Mount.newBuilder().setTarget(target(bad, fields.get("target")));
        String ro = fields.getOrDefault("readonly", "false");
        switch (ro) {
            case "true", "1" -> m.setReadOnly(true);
            case "false", "0" -> m.setReadOnly(false);
            default -> throw new IllegalArgumentException(bad + "readonly takes true or false");
        }
        String source = fields.get("source");
        switch (type) {
            case "bind" -> {
                if (source == null || !source.startsWith("/")) {
                    throw new IllegalArgumentException(bad + "a bind mount needs an absolute source path");
                }
                m.setType(Mount.Type.BIND).setSource(source);
            }
            case "volume" -> {
                if (source == null) {
                    throw new IllegalArgumentException(bad + "anonymous volumes are not supported; give source=NAME");
                }
                volumeName(bad, source);
                m.setType(Mount.Type.VOLUME).setSource(source);
            }
            case "tmpfs" -> {
                if (source != null) {
                    throw new IllegalArgumentException(bad + "a tmpfs mount takes no source");
                }
                m.setType(Mount.Type.TMPFS);
                if (fields.containsKey("tmpfs-size")) {
                    m.setTmpfsSizeBytes(sizeOrBad(bad, fields.get("tmpfs-size")));
                }
                if (fields.containsKey("tmpfs-mode")) {
                    m.setTmpfsMode(mode(bad, fields.get("tmpfs-mode")));
                }
            }
            default -> throw new IllegalArgumentException(bad + "type must be bind, volume or tmpfs");
        }
        if (!type.equals("tmpfs") && (fields.containsKey("tmpfs-size") || fields.containsKey("tmpfs-mode"))) {
            throw new IllegalArgumentException(bad + "tmpfs-size and tmpfs-mode are for type=tmpfs only");
        }
        return m.build();
    }

    private static String target(String bad, String target) {
        try {
            ContainerMounts.checkTarget(target);
            return target;
        } catch (SpecException e) {
            throw new IllegalArgumentException(bad + e.getMessage());
        }
    }

    private static void volumeName(String bad, String name) {
        if (!name.matches(ContainerMounts.VOLUME_NAME)) {
            throw new IllegalArgumentException(bad + "invalid volume name \"" + name + "\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
        }
    }

    private static int mode(String bad, String octal) {
        if (!octal.matches("[0-7]{1,4}")) {
            throw new IllegalArgumentException(bad + "mode must be octal, e.g. 1777");
        }
        return Integer.parseInt(octal, 8);
    }

    private static long sizeOrBad(String bad, String value) {
        Matcher m = SIZE.matcher(value.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException(bad + "invalid size \"" + value + "\" (use a number with b, k, m or g, e.g. 64m)");
        }
        BigDecimal bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(
                m.group(2) == null ? 1 : 1L << (10 * ("kmgt".indexOf(Character.toLowerCase(m.group(2).charAt(0))) + 1))));
        if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0 || bytes.signum() <= 0) {
            throw new IllegalArgumentException(bad + "size must be above 0 and not absurdly large");
        }
        return bytes.longValue();
    }

    /** A positive size such as {@code 64m}; unlike --memory there is no 6 MB minimum. */
    static long size(String flag, String value) {
        return sizeOrBad("invalid argument \"" + value + "\" for \"" + flag + "\": ", value);
    }

    private static final Pattern SIZE = Pattern.compile("^(\\d+(?:\\.\\d+)?) ?([kKmMgGtT])?[iI]?[bB]?$");
    private static final Pattern ULIMIT = Pattern.compile("([A-Za-z]+)=(-?\\d+)(?::(-?\\d+))?");

    /** An image reference must at least parse; whether it exists is the agent's to find out. */
    static void checkImage(String image) {
        try {
            ImageReference.parse(image, "gantry.invalid");
        } catch (ImageException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }
}
