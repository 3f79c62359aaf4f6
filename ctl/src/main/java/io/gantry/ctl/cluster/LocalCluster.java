package io.gantry.ctl.cluster;

import io.gantry.agent.AgentConfig;
import io.gantry.agent.NodeAgent;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.ctl.cmd.SchedulerCommand;
import io.gantry.ctl.dev.AgentSetup;
import io.gantry.ctl.dev.Images;
import io.gantry.ctl.dev.SystemPackages;
import io.gantry.image.ImageException;
import io.gantry.image.ImageReference;
import io.gantry.image.build.BusyboxImage;
import io.gantry.image.fs.FileTrees;
import io.gantry.image.registry.LocalRegistry;
import io.gantry.image.registry.RegistryClient;
import io.gantry.image.registry.RegistryPusher;
import io.gantry.proto.ControlGrpc;
import io.gantry.proto.ListNodesRequest;
import io.gantry.proto.Node;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import picocli.CommandLine;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A multi-host cluster on one machine: every ZooKeeper server, scheduler and node agent is a
 * separate process in a network namespace of its own ({@code gantry-lc-zk1}, ...), joined by
 * the bridge {@code gantry-lc0} (10.77.0.1/24), plus Debian's registry on 10.77.0.1:5000
 * seeded with {@code busybox:latest}. Used by {@code gantry local-cluster} and by tests.
 * <p>
 * Every started process is recorded in {@code STATE_DIR/state.json}, so {@link #down(Path, Consumer)}
 * works from another process, after kill -9s, and after an {@code up} that failed halfway.
 */
public final class LocalCluster implements AutoCloseable {
    public static final Path DEFAULT_STATE_DIR = Path.of("/run/gantry/local-cluster");
    public static final Path DEFAULT_DATA_DIR = Path.of("/var/lib/gantry/local-cluster");
    /** The cgroup every container of the local cluster lives under: {@code gantry-lc/node-K/<id>}. */
    public static final String CGROUP_ROOT = AddressPlan.PREFIX;
    private static final List<String> DEFAULT_ZONES = List.of("a", "b", "c");
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);

    /**
     * How to build the cluster.
     *
     * @param nodeLabels       labels of node-K at index K-1; nodes beyond the list get {@code zone=a|b|c} round-robin
     * @param heartbeatTimeout passed to the schedulers ({@code --heartbeat-timeout}); null: their default
     * @param zkSessionTimeout passed to the schedulers as {@code --zk-session-timeout} if they have that option; null: their default
     * @param zkTickMs         ZooKeeper's tickTime: sessions can be as short as two ticks
     * @param readyTimeout     how long {@code up} waits for each stage (quorum, leader, registered agents)
     */
    public record Options(int nodes, int schedulers, int zookeepers, Path stateDir, Path dataDir,
                          List<Map<String, String>> nodeLabels, Duration heartbeatTimeout, Duration zkSessionTimeout,
                          int zkTickMs, Duration readyTimeout) {
        public Options {
            new AddressPlan(zookeepers, schedulers, nodes); // validates the counts
            if (stateDir == null || dataDir == null) {
                throw new IllegalArgumentException("the state and data directories must be given");
            }
            stateDir = stateDir.toAbsolutePath().normalize();
            dataDir = dataDir.toAbsolutePath().normalize();
            if (stateDir.getNameCount() < 2 || dataDir.getNameCount() < 2) {
                throw new IllegalArgumentException("refusing a top-level directory as state or data dir: they are deleted by down");
            }
            nodeLabels = nodeLabels == null ? List.of() : List.copyOf(nodeLabels);
        }

        /** 3 nodes, 3 schedulers, 3 ZooKeeper servers, default directories, zones a/b/c, tick 200 ms. */
        public static Options defaults() {
            return new Options(3, 3, 3, DEFAULT_STATE_DIR, DEFAULT_DATA_DIR, List.of(), null, null,
                    ZooKeeperConfig.DEFAULT_TICK_MS, Duration.ofSeconds(60));
        }

        public Options withNodes(int n) {
            return new Options(n, schedulers, zookeepers, stateDir, dataDir, nodeLabels, heartbeatTimeout, zkSessionTimeout, zkTickMs, readyTimeout);
        }

        public Options withSchedulers(int n) {
            return new Options(nodes, n, zookeepers, stateDir, dataDir, nodeLabels, heartbeatTimeout, zkSessionTimeout, zkTickMs, readyTimeout);
        }

        public Options withZookeepers(int n) {
            return new Options(nodes, schedulers, n, stateDir, dataDir, nodeLabels, heartbeatTimeout, zkSessionTimeout, zkTickMs, readyTimeout);
        }

        public Options withDirs(Path state, Path data) {
            return new Options(nodes, schedulers, zookeepers, state, data, nodeLabels, heartbeatTimeout, zkSessionTimeout, zkTickMs, readyTimeout);
        }

        public Options withNodeLabels(List<Map<String, String>> labels) {
            return new Options(nodes, schedulers, zookeepers, stateDir, dataDir, labels, heartbeatTimeout, zkSessionTimeout, zkTickMs, readyTimeout);
        }

        public Options withHeartbeatTimeout(Duration d) {
            return new Options(nodes, schedulers, zookeepers, stateDir, dataDir, nodeLabels, d, zkSessionTimeout, zkTickMs, readyTimeout);
        }

        public Options withZkSessionTimeout(Duration d) {
            return new Options(nodes, schedulers, zookeepers, stateDir, dataDir, nodeLabels, heartbeatTimeout, d, zkTickMs, readyTimeout);
        }

        public Options withZkTickMs(int ms) {
            return new Options(nodes, schedulers, zookeepers, stateDir, dataDir, nodeLabels, heartbeatTimeout, zkSessionTimeout, ms, readyTimeout);
        }

        public AddressPlan plan() {
            return new AddressPlan(zookeepers, schedulers, nodes);
        }

        /** node-K's labels: the given ones, else {@code zone=a}, {@code zone=b}, {@code zone=c}, {@code zone=a}, ... */
        public Map<String, String> labelsOf(int node) {
            if (node >= 1 && node <= nodeLabels.size() && nodeLabels.get(node - 1) != null) {
                return nodeLabels.get(node - 1);
            }
            return Map.of("zone", DEFAULT_ZONES.get((node - 1) % DEFAULT_ZONES.size()));
        }
    }

    private final Options options;
    private final AddressPlan plan;
    private final Path jar;
    private final Map<String, Process> children = new ConcurrentHashMap<>();
    /** Where each log was when its process was last restarted (see {@link #awaitStarted}). */
    private final Map<String, Long> logOffsets = new ConcurrentHashMap<>();
    private volatile ClusterState state;

    private LocalCluster(Options options, Path jar, ClusterState state) {
        this.options = options;
        this.plan = options.plan();
        this.jar = jar;
        this.state = state;
    }

    // ------------------------------------------------------------------ up

    /** Starts the whole cluster and returns once a scheduler leads and every agent is registered and ready. */
    public static LocalCluster up(Options options, Consumer<String> progress) throws Exception {
        requireRoot();
        if (isUp(options.stateDir())) {
            throw new IllegalStateException("a local cluster is already up (state in " + options.stateDir()
                    + ", bridge " + AddressPlan.BRIDGE + "); run 'gantry local-cluster down' first");
        }
        SystemPackages.ensure(SystemPackages.NODE);
        Path jar = gantryJar();
        AddressPlan plan = options.plan();
        for (Path dir : List.of(options.dataDir(), options.stateDir())) {
            requireOurs(dir);
        }
        // Leftovers of an earlier run in the same directories would be found by the new agents.
        FileTrees.delete(options.dataDir());
        FileTrees.delete(options.stateDir());
        for (Path dir : List.of(options.dataDir(), options.stateDir())) {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(MARKER), "made by gantry local-cluster up; removed by down\n");
        }
        Files.createDirectories(options.stateDir().resolve("logs"));
        ClusterState initial = new ClusterState(options.dataDir().toString(), plan.zookeepers(), plan.schedulers(),
                plan.nodes(), plan.schedulerAddresses(), plan.registryAddress(), Map.of());
        initial.write(options.stateDir());
        LocalCluster cluster = new LocalCluster(options, jar, initial);
        try {
            cluster.start(progress);
            return cluster;
        } catch (Exception | Error e) {
            Path kept = keepLogs(options.stateDir());
            progress.accept("local-cluster: start failed (" + e.getMessage() + "); cleaning up (logs kept in " + kept + ")");
            try {
                down(options.stateDir(), options.dataDir(), line -> { });
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** A failed up removes its state dir: its logs go somewhere a user can read them first. */
    private static Path keepLogs(Path stateDir) {
        Path kept = Path.of(System.getProperty("java.io.tmpdir"), "gantry-local-cluster-failed-logs");
        try {
            FileTrees.delete(kept);
            Files.createDirectories(kept);
            try (Stream<Path> logs = Files.list(stateDir.resolve("logs"))) {
                for (Path l : logs.toList()) {
                    Files.copy(l, kept.resolve(l.getFileName()));
                }
            }
        } catch (IOException e) {
            // best effort
        }
        return kept;
    }

    private void start(Consumer<String> out) throws Exception {
        long t0 = System.nanoTime();
        Consumer<String> progress = line -> out.accept(String.format("%s (%.1f s)", line, (System.nanoTime() - t0) / 1e9));
        progress.accept("local-cluster: network " + AddressPlan.BRIDGE + " " + AddressPlan.BRIDGE_ADDRESS + "/"
                + AddressPlan.PREFIX_LENGTH + ", " + plan.all().size() + " namespaces");
        Network.createBridge();
        for (Member m : plan.all()) {
            Network.createHost(m);
        }

        // Everything starts at once and each stage is awaited afterwards: nine JVMs starting
        // on two cores is the slow part, and this way no core idles while one waits. A
        // scheduler waits 15 s for ZooKeeper and agents retry until a leader answers.
        progress.accept("local-cluster: starting registry " + plan.registryAddress() + ", ZooKeeper " + plan.zkConnectString()
                + ", schedulers " + plan.schedulerAddresses() + ", node agents " + plan.members(Role.NODE).stream().map(Member::name).toList());
        startRegistry();
        for (Member m : plan.members(Role.ZOOKEEPER)) {
            startJava(m, zookeeperArgs(m));
        }
        for (Member m : plan.members(Role.SCHEDULER)) {
            startJava(m, schedulerArgs(m));
        }
        for (Member m : plan.members(Role.NODE)) {
            startJava(m, agentArgs(m));
        }
        seedRegistry();
        progress.accept("local-cluster: registry seeded with busybox:latest");
        awaitQuorum();
        progress.accept("local-cluster: ZooKeeper has a quorum");
        awaitLeader();
        progress.accept("local-cluster: " + leader().orElse("a scheduler") + " leads");
        awaitNodesReady(plan.nodes());
        progress.accept("local-cluster: up");
    }

    private void startRegistry() throws IOException {
        Path dir = options.dataDir().resolve("registry");
        Files.createDirectories(dir.resolve("storage"));
        Path config = dir.resolve("registry.yml");
        Files.writeString(config, LocalRegistry.configYaml(dir.resolve("storage"), plan.registryAddress()),
                StandardCharsets.UTF_8);
        launch(new ClusterState.ProcessEntry("registry", "", 0,
                List.of("setsid", "docker-registry", "serve", config.toString()), logOf("registry").toString()));
    }

    /** Pushes busybox:latest (built from Debian's static busybox) once the registry answers. */
    private void seedRegistry() throws ImageException, InterruptedException {
        try (HttpClient http = RegistryClient.defaultHttpClient()) {
            RegistryClient client = new RegistryClient(http, Set.of(plan.registryAddress()), "linux", "amd64",
                    Duration.ofMinutes(5), Clock.systemUTC());
            long deadline = System.nanoTime() + options.readyTimeout().toNanos();
            while (true) {
                try {
                    client.ping(plan.registryAddress());
                    break;
                } catch (ImageException notYet) {
                    if (System.nanoTime() > deadline || !isAlive("registry")) {
                        throw new IllegalStateException("the registry on " + plan.registryAddress() + " did not start: " + lastLine("registry"));
                    }
                    Thread.sleep(50);
                }
            }
            ImageReference ref = new ImageReference(plan.registryAddress(), "busybox", "latest", null);
            new RegistryPusher(client).push(ref, BusyboxImage.build(Path.of("/bin/busybox")));
        }
    }

    private List<String> zookeeperArgs(Member m) {
        return List.of("-Xmx128m", "-cp", jar.toString(), ZooKeeperCommand.class.getName(),
                "--id", Integer.toString(m.index()), "--servers", plan.zkServers(),
                "--client-port", Integer.toString(AddressPlan.ZK_CLIENT_PORT),
                "--data-dir", dataDirOf(m).toString(), "--tick-ms", Integer.toString(options.zkTickMs()));
    }

    private List<String> schedulerArgs(Member m) {
        List<String> a = new ArrayList<>(List.of("-Xmx256m", "-jar", jar.toString(), "scheduler",
                "--zk", plan.zkConnectString(), "--listen", m.address() + ":" + AddressPlan.SCHEDULER_PORT,
                "--data-dir", dataDirOf(m).toString(), "--default-registry", plan.registryAddress()));
        if (options.heartbeatTimeout() != null) {
            a.addAll(List.of("--heartbeat-timeout", options.heartbeatTimeout().toMillis() + "ms"));
        }
        if (options.zkSessionTimeout() != null && schedulerHas("--zk-session-timeout")) {
            a.addAll(List.of("--zk-session-timeout", options.zkSessionTimeout().toMillis() + "ms"));
        }
        return a;
    }

    private List<String> agentArgs(Member m) {
        List<String> a = new ArrayList<>(List.of("-Xmx256m", "-jar", jar.toString(), "agent",
                "--scheduler", plan.schedulerAddresses(), "--name", m.name(), "--advertise", m.address(),
                "--data-dir", dataDirOf(m).toString(), "--cgroup-parent", cgroupParentOf(m),
                "--default-registry", plan.registryAddress(), "--insecure-registry", plan.registryAddress(),
                // agentnet: the built-in DNS forwards nowhere: nothing of the local cluster may leave the machine
                "--dns-upstream", "none"));
        Map<String, String> labels = options.labelsOf(m.index());
        if (!labels.isEmpty()) {
            a.addAll(List.of("--labels", String.join(",", labels.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).sorted().toList())));
        }
        return a;
    }

    /** Whether this build's {@code gantry scheduler} has an option (the launched processes run the same jar). */
    static boolean schedulerHas(String option) {
        return new CommandLine(new SchedulerCommand()).getCommandSpec().findOption(option) != null;
    }

    /** JVM flags as the {@code ./gantry} launcher uses them, plus C1 only: nine JVMs start on two cores. */
    private List<String> java(Member m, List<String> args) {
        List<String> cmd = new ArrayList<>(Network.enter(m));
        cmd.addFirst("setsid"); // its own session: a Ctrl-C in the terminal that ran `up` must not reach it
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                // no SASL here: its server-principal lookup would try reverse DNS, which a namespace cannot reach
                "-Dzookeeper.sasl.client=false"));
        cmd.addAll(args);
        return cmd;
    }

    private void startJava(Member m, List<String> args) throws IOException {
        launch(new ClusterState.ProcessEntry(m.name(), m.netns(), 0, java(m, args), logOf(m.name()).toString()));
    }

    private synchronized void launch(ClusterState.ProcessEntry entry) throws IOException {
        File log = new File(entry.log());
        Process p = new ProcessBuilder(entry.command())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        children.put(entry.name(), p);
        // setsid and nsenter exec (no fork), so this pid is the program's own
        state = state.with(new ClusterState.ProcessEntry(entry.name(), entry.netns(), p.pid(), entry.command(), entry.log()));
        state.write(options.stateDir());
    }

    private void awaitQuorum() throws InterruptedException {
        long deadline = System.nanoTime() + options.readyTimeout().toNanos();
        List<Member> servers = plan.members(Role.ZOOKEEPER);
        while (true) {
            int serving = 0;
            for (Member m : servers) {
                String mode = zkMode(m);
                if (mode.equals("leader") || mode.equals("follower")) {
                    serving++;
                }
            }
            if (serving > servers.size() / 2) {
                return;
            }
            for (Member m : servers) {
                if (!isAlive(m.name())) {
                    throw new IllegalStateException(m.name() + " exited: " + lastLine(m.name()));
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the ZooKeeper ensemble " + plan.zkConnectString() + " formed no quorum within "
                        + options.readyTimeout().toSeconds() + " s");
            }
            Thread.sleep(200);
        }
    }

    /** A server's {@code Mode:} as its {@code srvr} command tells it (leader, follower), or "" while it has none. */
    static String zkMode(Member m) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress(m.address(), AddressPlan.ZK_CLIENT_PORT), 500);
            s.setSoTimeout(1000);
            s.getOutputStream().write("srvr".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            return reply.lines().filter(l -> l.startsWith("Mode: ")).map(l -> l.substring(6).strip()).findFirst().orElse("");
        } catch (IOException notYet) {
            return "";
        }
    }

    private void awaitLeader() throws InterruptedException {
        long deadline = System.nanoTime() + options.readyTimeout().toNanos();
        while (leader().isEmpty()) {
            for (Member m : plan.members(Role.SCHEDULER)) {
                if (!isAlive(m.name())) {
                    throw new IllegalStateException(m.name() + " exited: " + lastLine(m.name()));
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no scheduler became leader within " + options.readyTimeout().toSeconds() + " s");
            }
            Thread.sleep(200);
        }
    }

    /** Waits until {@code count} nodes named node-K are READY (what `gantry node ls` shows). */
    public void awaitNodesReady(int count) throws InterruptedException {
        long deadline = System.nanoTime() + options.readyTimeout().toNanos();
        while (true) {
            List<Node> nodes = listNodes();
            long ready = nodes.stream().filter(n -> n.getStatus() == Node.Status.READY && n.getName().startsWith("node-")).count();
            if (ready >= count) {
                return;
            }
            for (Member m : plan.members(Role.NODE)) {
                if (children.containsKey(m.name()) && !isAlive(m.name())) {
                    throw new IllegalStateException(m.name() + " exited: " + lastLine(m.name()));
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(ready + " of " + count + " node agents registered within "
                        + options.readyTimeout().toSeconds() + " s");
            }
            Thread.sleep(200);
        }
    }

    /** The nodes as the leader lists them (empty while no scheduler leads). */
    public List<Node> listNodes() {
        try (SchedulerClient client = new SchedulerClient(SchedulerClient.parseAddresses(plan.schedulerAddresses()))) {
            return client.call(s -> s.withDeadlineAfter(3, TimeUnit.SECONDS).listNodes(ListNodesRequest.getDefaultInstance())).getNodesList();
        } catch (RuntimeException notYet) {
            return List.of();
        }
    }

    /** The scheduler ({@code sched-K}) that leads right now: the one that answers Control calls itself. */
    public Optional<String> leader() {
        for (Member m : plan.members(Role.SCHEDULER)) {
            ManagedChannel ch = NettyChannelBuilder.forAddress(m.address(), AddressPlan.SCHEDULER_PORT).usePlaintext().build();
            try {
                ControlGrpc.newBlockingStub(ch).withDeadlineAfter(1, TimeUnit.SECONDS).listNodes(ListNodesRequest.getDefaultInstance());
                return Optional.of(m.name());
            } catch (StatusRuntimeException notLeader) {
                // a follower, not up, or dead
            } finally {
                ch.shutdownNow();
            }
        }
        return Optional.empty();
    }

    // ------------------------------------------------------------------ for tests

    /** A ZooKeeper server's role right now: "leader", "follower", or "" (down, or no quorum). */
    public String zkMode(String name) {
        Member m = member(name);
        if (m.role() != Role.ZOOKEEPER) {
            throw new IllegalArgumentException(name + " is not a ZooKeeper server");
        }
        return zkMode(m);
    }

    /** Attaches to a running cluster (started by another process) through its state file. */
    public static LocalCluster attach(Path stateDir) throws IOException {
        ClusterState s = ClusterState.read(stateDir);
        Options o = Options.defaults().withZookeepers(s.zookeepers()).withSchedulers(s.schedulers()).withNodes(s.nodes())
                .withDirs(stateDir, Path.of(s.dataDir()));
        return new LocalCluster(o, gantryJar(), s);
    }

    public Options options() {
        return options;
    }

    public AddressPlan plan() {
        return plan;
    }

    /** The GANTRY_ADDR value: every scheduler's host:port, comma-separated. */
    public String schedulerAddresses() {
        return plan.schedulerAddresses();
    }

    public String registryAddress() {
        return plan.registryAddress();
    }

    public String zkConnectString() {
        return plan.zkConnectString();
    }

    /** The names of the cluster's processes of {@code role} ({@code zk-1}, {@code sched-1}, {@code node-1}, ...). */
    public List<String> processes(Role role) {
        return plan.members(role).stream().map(Member::name).toList();
    }

    /** Every process: registry, zk-*, sched-*, node-*. */
    public List<String> processes() {
        List<String> out = new ArrayList<>(List.of("registry"));
        plan.all().forEach(m -> out.add(m.name()));
        return out;
    }

    public long pid(String name) {
        ClusterState.ProcessEntry e = state.processes().get(name);
        if (e == null) {
            throw new IllegalArgumentException("no process '" + name + "' in the local cluster " + processes());
        }
        return e.pid();
    }

    public boolean isAlive(String name) {
        ClusterState.ProcessEntry e = state.processes().get(name);
        if (e == null) {
            return false;
        }
        Process child = children.get(name);
        if (child != null && child.pid() == e.pid()) {
            return child.isAlive(); // exact, also while setsid/nsenter exec their way to the program
        }
        return ours(e.pid(), options.dataDir());
    }

    public Member member(String name) {
        Member m = Member.parse(name);
        if (!plan.contains(m)) {
            throw new IllegalArgumentException("no member '" + name + "' in the local cluster " + processes());
        }
        return m;
    }

    /** The network namespace of {@code name} (e.g. node-1 → gantry-lc-node1). */
    public String netns(String name) {
        return member(name).netns();
    }

    /** The address of {@code name} on the bridge. */
    public String address(String name) {
        return member(name).address();
    }

    /** Runs {@code command} inside {@code name}'s network namespace (as that host would). */
    public Exec.Result exec(String name, String... command) {
        List<String> cmd = new ArrayList<>(Network.enter(member(name)));
        cmd.addAll(List.of(command));
        return Exec.run(cmd);
    }

    /** kill -9 {@code name}, as a crash would; waits until it is gone. Its containers (for an agent) keep running. */
    public void kill9(String name) throws InterruptedException {
        signal(pid(name), true, Duration.ofSeconds(10));
    }

    /** SIGTERM {@code name} and wait (kill -9 after 10 s). */
    public void stop(String name) throws InterruptedException {
        signal(pid(name), false, STOP_GRACE);
    }

    /** Starts {@code name} again with the same command line (stopping it first if it still runs); output appends to its log. */
    public void restart(String name) throws IOException, InterruptedException {
        ClusterState.ProcessEntry e = state.processes().get(name);
        if (e == null) {
            throw new IllegalArgumentException("no process '" + name + "' in the local cluster " + processes());
        }
        if (isAlive(name)) {
            stop(name);
        }
        logOffsets.put(name, Files.exists(Path.of(e.log())) ? Files.size(Path.of(e.log())) : 0L);
        launch(e);
    }

    /**
     * Waits until {@code name}, since its last {@link #restart}, says it is up: an agent that it
     * registered with the leader, a scheduler that it serves, a ZooKeeper server that it runs.
     */
    public void awaitStarted(String name, Duration timeout) throws IOException, InterruptedException {
        String line = switch (member(name).role()) {
            case NODE -> "gantry agent: registered";
            case SCHEDULER -> "gantry scheduler: serving";
            case ZOOKEEPER -> "gantry zookeeper: server";
        };
        Path log = logOf(name);
        long from = logOffsets.getOrDefault(name, 0L);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            byte[] all = Files.exists(log) ? Files.readAllBytes(log) : new byte[0];
            String since = new String(all, (int) Math.min(from, all.length), (int) Math.max(0, all.length - from), StandardCharsets.UTF_8);
            if (since.contains(line)) {
                return;
            }
            if (!isAlive(name)) {
                throw new IllegalStateException(name + " exited: " + lastLine(name));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " did not print \"" + line + "\" within " + timeout.toSeconds() + " s");
            }
            Thread.sleep(100);
        }
    }

    /** Where {@code name}'s stdout and stderr go. */
    public Path log(String name) {
        return logOf(name);
    }

    /** The data dir of {@code name} (an agent's: images, containers). */
    public Path dataDir(String name) {
        return dataDirOf(member(name));
    }

    /** The agent data dir's runc root, to inspect runc state in tests. */
    public Path runcRoot(String node) {
        return AgentSetup.runcRoot(dataDirOf(member(node)));
    }

    /** Tears the cluster down (see {@link #down(Path, Path, Consumer)}). */
    public void down() throws IOException, InterruptedException {
        down(options.stateDir(), options.dataDir(), line -> { });
        children.clear();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        down();
    }

    private Path dataDirOf(Member m) {
        return options.dataDir().resolve(m.name());
    }

    private Path logOf(String name) {
        return options.stateDir().resolve("logs").resolve(name + ".log");
    }

    private static String cgroupParentOf(Member m) {
        return CGROUP_ROOT + "/" + m.name();
    }

    private String lastLine(String name) {
        try {
            List<String> lines = Files.readAllLines(logOf(name));
            return lines.isEmpty() ? "(no output)" : lines.getLast() + " (log: " + logOf(name) + ")";
        } catch (IOException e) {
            return "(no log)";
        }
    }

    // ------------------------------------------------------------------ down

    /** Whether a cluster (or its leftovers) is there: a state file, the bridge, or a namespace. */
    public static boolean isUp(Path stateDir) {
        return Files.exists(stateDir.resolve(ClusterState.FILE)) || Network.bridgeExists() || !Network.namespaces().isEmpty();
    }

    /** Tears down the cluster whose state is in {@code stateDir} (data dir from there, else the default). */
    public static void down(Path stateDir, Consumer<String> progress) throws IOException, InterruptedException {
        Path dataDir = DEFAULT_DATA_DIR;
        try {
            dataDir = Path.of(ClusterState.read(stateDir).dataDir());
        } catch (IOException noState) {
            // up died before writing it, or it is already down: clean the default place
        }
        down(stateDir, dataDir, progress);
    }

    /**
     * Stops the agents and removes all their containers (runc state, overlay mounts,
     * cgroups), then stops schedulers, ZooKeeper and the registry, removes namespaces,
     * links and the bridge, and deletes the data and state dirs. Works after kill -9s and a
     * half-finished up (it finds processes by the data dir in their command line), and
     * does nothing when there is nothing left.
     */
    public static void down(Path stateDir, Path dataDir, Consumer<String> progress) throws IOException, InterruptedException {
        requireRoot();
        long t0 = System.nanoTime();
        Path data = dataDir.toAbsolutePath().normalize();
        Path stateAbs = stateDir.toAbsolutePath().normalize();
        List<Path> nodeDirs = nodeDirs(data);

        progress.accept("local-cluster: stopping node agents");
        signalAll(processesUnder(data, p -> nodeDirs.stream().anyMatch(d -> cmdline(p).contains("--data-dir " + d + " "))
                || nodeDirs.stream().anyMatch(d -> cmdline(p).endsWith("--data-dir " + d))), false, STOP_GRACE);

        progress.accept("local-cluster: removing containers of " + nodeDirs.size() + " node(s)");
        for (Path dir : nodeDirs) {
            removeContainers(dir);
        }

        progress.accept("local-cluster: stopping schedulers, ZooKeeper, registry");
        signalAll(processesUnder(data, p -> true), false, STOP_GRACE);

        for (String mount : mountsUnder(data)) {
            Exec.run(List.of("umount", "-l", mount));
        }
        removeCgroups(CGROUP_ROOT);
        progress.accept("local-cluster: removing namespaces and " + AddressPlan.BRIDGE);
        Network.removeAll(agentTags(data)); // agentnet: with the agents' container namespaces
        for (Path dir : List.of(data, stateAbs)) {
            if (Files.exists(dir.resolve(MARKER)) || isEmptyDir(dir)) {
                FileTrees.delete(dir);
            } else if (Files.exists(dir)) {
                progress.accept("local-cluster: left " + dir + " alone: it was not made by local-cluster up");
            }
        }
        if (stateAbs.equals(DEFAULT_STATE_DIR)) {
            try {
                Files.deleteIfExists(stateAbs.getParent()); // /run/gantry, when nothing else uses it
            } catch (IOException inUse) {
                // runc roots of other agents, gantry dev, ...
            }
        }
        progress.accept(String.format("local-cluster: down in %.1f s", (System.nanoTime() - t0) / 1e9));
    }

    /** What a cluster in these dirs would have left behind (empty after a clean down). */
    public static List<String> leftovers(Path stateDir, Path dataDir) throws IOException {
        Path data = dataDir.toAbsolutePath().normalize();
        List<String> found = new ArrayList<>(Network.leftovers(agentTags(data)));
        processesUnder(data, p -> true).forEach(p -> found.add("process " + p + ": " + cmdline(p)));
        mountsUnder(data).forEach(m -> found.add("mount " + m));
        for (Path root : cgroupRoots()) {
            if (Files.isDirectory(root.resolve(CGROUP_ROOT))) {
                found.add("cgroup " + root.resolve(CGROUP_ROOT));
            }
        }
        if (Files.exists(data)) {
            found.add("data dir " + data);
        }
        if (Files.exists(stateDir)) {
            found.add("state dir " + stateDir);
        }
        return found;
    }

    /**
     * The agent's own cleanup, run here on its data dir: recover what it finds on disk, then
     * stop and delete every container (runc kill/delete, conmon, overlay, cgroup, files).
     * Then anything runc still lists in that agent's root (a create cut short) goes too.
     */
    private static void removeContainers(Path nodeDir) throws IOException {
        String name = nodeDir.getFileName().toString();
        AgentConfig config = AgentSetup.config(List.of("127.0.0.1:1"), name, "127.0.0.1", nodeDir, Map.of(),
                AgentConfig.DEFAULT_REGISTRY, CGROUP_ROOT + "/" + name, AgentConfig.DEFAULT_RUNC);
        NodeAgent agent;
        try {
            // agentnet: its networking lives in its node's namespace (if that is still there)
            var network = io.gantry.agent.net.NetworkOptions.forAgent(name, config.runcRoot(), List.of())
                    .inNamespace(Path.of("/run/netns", new Member(Role.NODE, nodeIndex(name)).netns()));
            agent = new NodeAgent(config, Images.open(nodeDir.resolve("images")), Clock.systemUTC(), network);
        } catch (ImageException e) {
            throw new IOException("cannot open " + nodeDir + ": " + e.getMessage(), e);
        }
        try {
            agent.runtime().recover();
            agent.removeAllContainers();
        } catch (RuntimeException e) {
            System.err.println("local-cluster: cleaning " + name + ": " + e.getMessage());
        } finally {
            agent.close();
        }
        Path runcRoot = AgentSetup.runcRoot(nodeDir);
        if (Files.isDirectory(runcRoot)) {
            try (Stream<Path> ids = Files.list(runcRoot)) {
                for (Path id : ids.toList()) {
                    Exec.run(List.of(AgentConfig.DEFAULT_RUNC.toString(), "--root", runcRoot.toString(), "delete", "--force", id.getFileName().toString()));
                }
            }
        }
        for (Path dir : List.of(runcRoot, runcRoot.resolveSibling(runcRoot.getFileName() + "-attach"))) {
            if (Files.exists(dir)) {
                FileTrees.delete(dir);
            }
        }
    }

    /** agentnet: the network tags node-1 ... node-MAX of a cluster in {@code data} would use (found by name at down). */
    private static Set<String> agentTags(Path data) {
        Set<String> tags = new java.util.HashSet<>();
        for (int k = 1; k <= AddressPlan.MAX_NODES; k++) {
            String name = new Member(Role.NODE, k).name();
            tags.add(io.gantry.agent.net.NetworkOptions.tagFor(name, AgentSetup.runcRoot(data.resolve(name))));
        }
        return tags;
    }

    /** node-K -> K. */
    private static int nodeIndex(String name) {
        return Integer.parseInt(name.substring(name.lastIndexOf('-') + 1));
    }

    private static List<Path> nodeDirs(Path data) throws IOException {
        if (!Files.isDirectory(data)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(data)) {
            return dirs.filter(d -> d.getFileName().toString().matches("node-\\d+") && Files.isDirectory(d)).sorted().toList();
        }
    }

    /** Processes (not this one) whose command line names something under {@code data}. */
    private static List<Long> processesUnder(Path data, java.util.function.Predicate<Long> filter) {
        String marker = data + "/";
        return ProcessHandle.allProcesses().map(ProcessHandle::pid)
                .filter(pid -> pid != ProcessHandle.current().pid())
                .filter(pid -> cmdline(pid).contains(marker))
                .filter(filter)
                .toList();
    }

    /** Whether {@code pid} is alive and still one of ours (a pid can be reused). */
    private static boolean ours(long pid, Path data) {
        return pid > 0 && cmdline(pid).contains(data.toAbsolutePath().normalize() + "/");
    }

    private static String cmdline(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8)
                    .replace('\0', ' ').strip();
        } catch (IOException gone) {
            return "";
        }
    }

    private static void signal(long pid, boolean kill, Duration grace) throws InterruptedException {
        signalAll(List.of(pid), kill, grace);
    }

    /** Signals them all at once (SIGTERM, or SIGKILL), waits, and SIGKILLs those still there after {@code grace}. */
    private static void signalAll(List<Long> pids, boolean kill, Duration grace) throws InterruptedException {
        List<ProcessHandle> handles = pids.stream().map(ProcessHandle::of).flatMap(Optional::stream).toList();
        for (ProcessHandle h : handles) {
            if (kill) {
                h.destroyForcibly();
            } else {
                h.destroy();
            }
        }
        long deadline = System.nanoTime() + grace.toNanos();
        for (ProcessHandle h : handles) {
            long left = Math.max(0, deadline - System.nanoTime());
            try {
                h.onExit().get(left, TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                h.destroyForcibly();
                try {
                    h.onExit().get(5, TimeUnit.SECONDS);
                } catch (Exception ignored) {
                    // reported by leftovers()
                }
            } catch (java.util.concurrent.ExecutionException e) {
                // gone
            }
        }
    }

    private static List<String> mountsUnder(Path data) throws IOException {
        String prefix = data + "/";
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            if (f.length > 4 && (f[4] + "/").startsWith(prefix)) {
                out.add(f[4]);
            }
        }
        out.sort(Comparator.comparingInt(String::length).reversed()); // deepest first
        return out;
    }

    /** Each cgroup hierarchy's root: the v1 controllers (and v1's unified/systemd), or the v2 root itself. */
    static List<Path> cgroupRoots() throws IOException {
        Path base = Path.of("/sys/fs/cgroup");
        List<Path> roots = new ArrayList<>();
        if (Files.exists(base.resolve("cgroup.controllers"))) {
            roots.add(base);
        }
        if (Files.isDirectory(base)) {
            try (Stream<Path> s = Files.list(base)) {
                s.filter(Files::isDirectory).forEach(roots::add);
            }
        }
        return roots;
    }

    private static void removeCgroups(String name) throws IOException {
        for (Path root : cgroupRoots()) {
            Path top = root.resolve(name);
            if (!Files.isDirectory(top)) {
                continue;
            }
            List<Path> dirs;
            try (Stream<Path> walk = Files.walk(top)) {
                dirs = walk.filter(Files::isDirectory).sorted(Comparator.comparingInt(Path::getNameCount).reversed()).toList();
            } catch (UncheckedIOException e) {
                continue;
            }
            for (Path d : dirs) {
                try {
                    Files.deleteIfExists(d); // rmdir: works once no process is left in it
                } catch (IOException stillUsed) {
                    System.err.println("local-cluster: cannot remove cgroup " + d + ": " + stillUsed.getMessage());
                }
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Marks the directories up made, so that up and down never delete someone else's. */
    static final String MARKER = ".gantry-local-cluster";

    /** up deletes its directories first: only ever a previous cluster's, or nothing. */
    private static void requireOurs(Path dir) throws IOException {
        if (Files.exists(dir) && !Files.exists(dir.resolve(MARKER)) && !isEmptyDir(dir)) {
            throw new IllegalStateException("refusing to use " + dir + ": it exists and was not made by local-cluster up (choose another directory)");
        }
    }

    private static boolean isEmptyDir(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    private static void requireRoot() {
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new IllegalStateException("the local cluster needs root (network namespaces, runc): run it with sudo");
        }
    }

    /** The gantry jar this code runs from (target/gantry.jar, with its lib/ beside it). */
    static Path gantryJar() {
        try {
            Path where = Path.of(LocalCluster.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path jar = where.toString().endsWith(".jar") ? where : where.resolveSibling("gantry.jar");
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException("cannot find the gantry jar at " + jar + ": build it first (mvn -pl ctl install -DskipTests)");
            }
            return jar;
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException("cannot locate the gantry jar: " + e.getMessage(), e);
        }
    }

    /** A summary for the CLI: member → address. */
    public Map<String, String> addresses() {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("registry", plan.registryAddress());
        plan.all().forEach(m -> out.put(m.name(), m.address()));
        return out;
    }
}
