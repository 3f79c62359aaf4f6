package io.gantry.agent.runtime;

import io.gantry.image.fs.Libc;
import io.gantry.image.fs.FileTrees;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.gantry.agent.health.HealthCheckSpec;
import io.gantry.agent.health.HealthChecker;
import io.gantry.agent.health.HealthMonitor;
import io.gantry.agent.health.HealthSnapshot;
import io.gantry.agent.health.RuncHealthProbe;
import io.gantry.agent.logs.LogFiles;
import io.gantry.agent.logs.LogOptions;
import io.gantry.agent.logs.LogRotator;
import io.gantry.agent.reconcile.LocalContainer;
import io.gantry.proto.HealthCheck;
import io.gantry.agent.spec.OciSpecBuilder;
import io.gantry.agent.spec.SeccompProfiles;
import io.gantry.agent.spec.SpecException;
import io.gantry.image.ImageException;
import io.gantry.image.ImageReference;
import io.gantry.image.ImageService;
import io.gantry.image.OverlayMount;
import io.gantry.image.PulledImage;
import io.gantry.proto.Assignment;
import io.gantry.proto.ContainerState;
import io.gantry.proto.ContainerStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs containers with runc under conmon and tracks their state. Every operation is asynchronous
 * (virtual threads, serialized per container); state changes go to the {@link StatusListener}.
 * Containers keep running when this object is closed or the JVM dies; {@link #recover()} picks them up.
 */
public final class ContainerRuntime implements AgentRuntime {
    private static final Logger log = LoggerFactory.getLogger(ContainerRuntime.class);
    static final Duration FIRST_REMOVE_RETRY = Duration.ofMillis(250);
    static final Duration MAX_REMOVE_RETRY = Duration.ofSeconds(30);

    /** Called on every state change; must not block. */
    public interface StatusListener {
        void changed(ContainerStatus status);
    }

    private final RuntimeSettings settings;
    private final ImageService images;
    private final Clock clock;
    private final StatusListener listener;
    private final Supplier<String> defaultRegistry;
    /** Pulls, starts, start failures and OOM kills, for /metrics. */
    private final io.gantry.telemetry.AgentMetrics metrics;
    private final OciRuntime oci;
    private final Cgroups cgroups;
    private final OciSpecBuilder specs;
    private final VolumeStore volumes;
    /** Container networking (agentnet): namespace, interfaces, ports, hosts/resolv.conf; NONE leaves runc's own netns. */
    private final io.gantry.agent.net.ContainerNetworks networks;
    private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private final StateFiles stateFiles = new StateFiles(json);
    private final Map<String, Container> containers = new ConcurrentHashMap<>();
    /** Per container object (a replacement gets a new one, with its own options); weak: gone with the container. */
    private final Map<Container, LogRotator> rotators = java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());
    /** The health checkers of running containers, by id. */
    private final Map<String, HealthChecker> health = new ConcurrentHashMap<>();
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "gantry-exit-watch");
        t.setDaemon(true);
        return t;
    });
    /** Guards {@link #closed} and {@link #shuttingDown} against a {@link #run} adding a container concurrently. */
    private final Object lifecycle = new Object();
    private volatile boolean closed;
    /** Set by {@link #removeAll()}: from then on nothing new is started. */
    private volatile boolean shuttingDown;

    public ContainerRuntime(RuntimeSettings settings, ImageService images, Clock clock,
                            Supplier<String> defaultRegistry, StatusListener listener) {
        this(settings, images, clock, defaultRegistry, listener,
                new io.gantry.telemetry.AgentMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry()),
                io.gantry.agent.net.ContainerNetworks.NONE);
    }

    /** With container networking ({@link io.gantry.agent.net.AgentNetworking}). */
    public ContainerRuntime(RuntimeSettings settings, ImageService images, Clock clock,
                            Supplier<String> defaultRegistry, StatusListener listener,
                            io.gantry.agent.net.ContainerNetworks networks) {
        this(settings, images, clock, defaultRegistry, listener,
                new io.gantry.telemetry.AgentMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry()), networks);
    }

    public ContainerRuntime(RuntimeSettings settings, ImageService images, Clock clock,
                            Supplier<String> defaultRegistry, StatusListener listener, io.gantry.telemetry.AgentMetrics metrics,
                            io.gantry.agent.net.ContainerNetworks networks) {
        this.metrics = metrics;
        this.networks = networks;
        this.settings = settings;
        this.images = images;
        this.clock = clock;
        this.listener = listener;
        this.defaultRegistry = defaultRegistry;
        this.oci = new OciRuntime(settings.runcBinary(), settings.conmonBinary(), settings.runcRoot());
        this.cgroups = Cgroups.host();
        this.specs = new OciSpecBuilder(settings.cgroupParent(), settings.defaultPidsLimit(), HostLimits.hardLimits(),
                INIT_BINARY, new SeccompProfiles(SeccompProfiles.hostArch()), HostLimits.boundingCapabilities(),
                List.of(settings.dataDir(), settings.runcRoot(), OciRuntime.socketDir(settings.runcRoot())));
        this.volumes = new VolumeStore(settings.dataDir());
        // A stat per container every 25 ms: cheap, and an exit reaches `gantry run` without a visible lag.
        timer.scheduleWithFixedDelay(this::pollExits, EXIT_POLL_MILLIS, EXIT_POLL_MILLIS, TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(this::rotateLogs, LOG_ROTATE_MILLIS, LOG_ROTATE_MILLIS, TimeUnit.MILLISECONDS);
    }

    // ------------------------------------------------------------------ queries

    static final long EXIT_POLL_MILLIS = 25;
    /** Two stats per rotating log: often enough that conmon rarely replaces a file twice between checks. */
    static final long LOG_ROTATE_MILLIS = 50;
    /** Debian's catatonit (static): --init's PID 1. */
    static final Path INIT_BINARY = Path.of("/usr/bin/catatonit");
    /** A dead conmon (no exit file) is rarer than an exit: look for one about every 2 s. */
    private static final long MONITOR_CHECK_EVERY_POLLS = 2000 / EXIT_POLL_MILLIS;

    @Override
    public long cpuMillis() {
        return HostLimits.cpuMillis();
    }

    @Override
    public long memoryBytes() {
        return HostLimits.memTotalBytes();
    }

    public Optional<ContainerStatus> status(String id) {
        return Optional.ofNullable(containers.get(id)).map(Container::status);
    }

    @Override
    public List<ContainerStatus> statuses() {
        return containers.values().stream().map(Container::status).toList();
    }

    /** What the reconciler needs to know about each local container. */
    @Override
    public Map<String, LocalContainer> localView() {
        Map<String, LocalContainer> out = new LinkedHashMap<>();
        for (Container c : containers.values()) {
            synchronized (c) {
                if (!c.removed) {
                    out.put(c.id(), new LocalContainer(c.id(), c.state, c.assignment.getPlacementVersion(), c.userStopped));
                }
            }
        }
        return out;
    }

    /** The container's k8s-file log and whether more output may still come; empty for unknown ids. */
    @Override
    public Optional<LogSource> logSource(String id) {
        Container c = containers.get(id);
        if (c == null) {
            return Optional.empty();
        }
        return Optional.of(new LogSource(c.paths.log(), c::isActive));
    }

    public record LogSource(Path file, java.util.function.BooleanSupplier active) {
    }

    // ------------------------------------------------------------------ operations

    /**
     * Pulls and starts the assignment's container unless it exists already.
     *
     * @throws IllegalStateException once {@link #removeAll()} or {@link #close()} has begun
     */
    @Override
    public CompletableFuture<Void> run(Assignment assignment) {
        String id = assignment.getWorkloadId();
        if (!id.matches("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}")) {
            throw new IllegalArgumentException("invalid workload id '" + id + "'");
        }
        Container c = new Container(ContainerPaths.of(settings.dataDir(), id), assignment);
        c.cgroupsPath = specs.cgroupsPath(id);
        c.restartCount = assignment.getRestartCount(); // restarts done on earlier nodes count too (on-failure:N)
        synchronized (lifecycle) {
            // Checked together with the insert: removeAll() must see every container that got in.
            if (shuttingDown || closed) {
                throw new IllegalStateException("the container runtime is shutting down; not starting " + id);
            }
            if (containers.putIfAbsent(id, c) != null) {
                return CompletableFuture.completedFuture(null);
            }
        }
        try {
            Files.createDirectories(c.paths.dir());
        } catch (IOException e) {
            fail(c, 125, "cannot create the container directory: " + e.getMessage());
            return CompletableFuture.completedFuture(null);
        }
        changed(c);
        return op(c, () -> start(c, false));
    }

    /** Signals the container (image StopSignal or SIGTERM), then SIGKILL after {@code timeout}. */
    @Override
    public CompletableFuture<Void> stop(String id, Duration timeout) {
        Container c = containers.get(id);
        if (c == null) {
            return CompletableFuture.completedFuture(null);
        }
        synchronized (c) {
            c.userStopped = true; // also cancels a start still pulling, and any pending restart
            c.restartPending = false;
        }
        return op(c, () -> doStop(c, timeout));
    }

    @Override
    public CompletableFuture<Void> pause(String id) {
        Container c = containers.get(id);
        if (c == null) {
            return CompletableFuture.completedFuture(null);
        }
        return op(c, () -> {
            synchronized (c) {
                if (c.removed || c.state != ContainerState.RUNNING) {
                    return;
                }
            }
            oci.pause(c.id());
            synchronized (c) {
                if (c.state == ContainerState.RUNNING) { // it may have exited meanwhile
                    c.state = ContainerState.PAUSED;
                    stopHealth(c);
                    changed(c);
                }
            }
        });
    }

    @Override
    public CompletableFuture<Void> resume(String id) {
        Container c = containers.get(id);
        if (c == null) {
            return CompletableFuture.completedFuture(null);
        }
        return op(c, () -> {
            synchronized (c) {
                if (c.removed || c.state != ContainerState.PAUSED) {
                    return;
                }
            }
            oci.resume(c.id());
            synchronized (c) {
                if (c.state == ContainerState.PAUSED) {
                    c.state = ContainerState.RUNNING;
                    startHealth(c, false); // as Docker: the status carries over a pause
                    changed(c);
                }
            }
        });
    }

    /**
     * Not serialized with the container's other operations: a kill must get through while a stop still waits
     * for the process to end (as {@code docker kill} hurries a {@code docker stop}).
     */
    @Override
    public CompletableFuture<Void> signal(String id, long placementVersion, String signal) {
        Container c = containers.get(id);
        if (c == null) {
            return CompletableFuture.completedFuture(null);
        }
        synchronized (c) {
            if (c.removed || !c.isLive() || c.assignment.getPlacementVersion() != placementVersion) {
                return CompletableFuture.completedFuture(null);
            }
        }
        return CompletableFuture.runAsync(() -> {
            try {
                oci.kill(id, signal);
                log.info("container {}: sent {}", id, signal);
            } catch (IOException e) {
                log.warn("container {}: sending {} failed: {}", id, signal, e.getMessage());
            }
        }, workers);
    }

    /**
     * Kills, deletes and forgets the container, its rootfs, cgroups and files; reports REMOVED.
     * A failed attempt is retried with back-off; the future completes once the container is gone.
     */
    @Override
    public CompletableFuture<Void> remove(String id) {
        Container c = containers.get(id);
        if (c == null) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> removal;
        synchronized (c) {
            c.restartPending = false;
            if (c.removed && !c.removal.isCompletedExceptionally()) {
                return c.removal; // under way, or retrying after a failure
            }
            if (c.removal.isDone()) {
                c.removal = new CompletableFuture<>(); // an earlier removal was abandoned at close(): start over
            }
            c.removed = true;
            removal = c.removal;
        }
        op(c, () -> doRemove(c));
        return removal;
    }

    /** Stops and removes every container this runtime manages; from now on {@link #run} refuses new ones. */
    @Override
    public void removeAll() {
        List<String> ids;
        synchronized (lifecycle) {
            shuttingDown = true;
            ids = List.copyOf(containers.keySet());
        }
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (String id : ids) {
            all.add(remove(id));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).orTimeout(60, TimeUnit.SECONDS).exceptionally(e -> null).join();
        for (String id : containers.keySet()) {
            log.warn("container {}: could not be removed within 60 s; removal continues in the background", id);
        }
    }

    /** Stops watching; containers keep running under conmon. Nothing new can be started afterwards. */
    @Override
    public void close() {
        synchronized (lifecycle) {
            closed = true;
        }
        health.values().forEach(HealthChecker::close);
        health.clear();
        timer.shutdownNow();
        workers.shutdown();
        try {
            workers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        workers.shutdownNow();
    }

    private CompletableFuture<Void> op(Container c, ThrowingRunnable body) {
        Runnable task = () -> {
            c.opLock.lock();
            // Every log line of this operation names the workload (a JSON log's "workload" field).
            try (var ignored = org.slf4j.MDC.putCloseable("workload", c.id())) {
                body.run();
            } catch (Exception | Error e) {
                log.warn("container {}: {}", c.id(), e.toString());
                synchronized (c) {
                    // Never leave a container hanging in a transitional state.
                    if (!c.removed && (c.state == ContainerState.PENDING || c.state == ContainerState.PULLING
                            || c.state == ContainerState.STARTING)) {
                        cleanup(c);
                        fail(c, 125, "internal error: " + e);
                    }
                }
            } finally {
                c.opLock.unlock();
            }
        };
        try {
            return CompletableFuture.runAsync(task, workers);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            task.run(); // after close(): e.g. removeAll() during shutdown
            return CompletableFuture.completedFuture(null);
        }
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    // ------------------------------------------------------------------ start

    private void start(Container c, boolean restart) {
        synchronized (c) {
            if (c.removed) {
                return;
            }
            if (c.userStopped) {
                if (!restart) {
                    stoppedBeforeStart(c);
                }
                return;
            }
        }
        PulledImage image = null;
        if (!restart) {
            try {
                SpecOptions.validate(c.assignment.getSpec());
            } catch (IllegalArgumentException e) {
                fail(c, 125, e.getMessage());
                return;
            }
            set(c, ContainerState.PULLING);
            long pullStarted = System.nanoTime();
            var downloaded = new java.util.concurrent.atomic.AtomicLong();
            ImageService.PullListener counting = new ImageService.PullListener() {
                @Override
                public void layer(ImageService.LayerProgress progress) {
                    if (progress instanceof ImageService.LayerProgress.Done done) {
                        downloaded.addAndGet(done.size());
                    }
                }
            };
            try {
                image = images.pull(ImageReference.parse(c.assignment.getSpec().getImage(), defaultRegistry.get()), counting,
                        credentialsOf(c.assignment.getSpec()));
                metrics.imagePulled(downloaded.get(), java.time.Duration.ofNanos(System.nanoTime() - pullStarted));
            } catch (ImageException e) {
                metrics.imagePullFailed(downloaded.get(), java.time.Duration.ofNanos(System.nanoTime() - pullStarted));
                metrics.containerStartFailed(io.gantry.telemetry.Labels.StartFailure.IMAGE);
                fail(c, 125, e.getMessage());
                return;
            } catch (RuntimeException e) {
                metrics.imagePullFailed(downloaded.get(), java.time.Duration.ofNanos(System.nanoTime() - pullStarted));
                metrics.containerStartFailed(io.gantry.telemetry.Labels.StartFailure.IMAGE);
                fail(c, 125, "cannot pull " + c.assignment.getSpec().getImage() + ": " + e.getMessage());
                return;
            }
            synchronized (c) {
                c.imageDigest = image.manifestDigest();
                c.layerDirs = List.copyOf(image.layerDirs());
                c.stopSignal = image.config().stopSignal() == null ? "" : image.config().stopSignal();
                // The spec's --health-* over the image's HEALTHCHECK, field by field (see SpecOptions).
                var imageCheck = java.util.Optional.ofNullable(image.config().healthcheck()).map(h -> new io.gantry.agent.health.ImageHealthcheck(
                        h.test(), java.time.Duration.ofNanos(h.intervalNanos()), java.time.Duration.ofNanos(h.timeoutNanos()),
                        h.retries(), java.time.Duration.ofNanos(h.startPeriodNanos())));
                c.healthCheck = SpecOptions.healthCheck(c.assignment.getSpec(), imageCheck).orElse(null);
                if (c.removed || c.userStopped) {
                    if (!c.removed) {
                        stoppedBeforeStart(c);
                    }
                    return;
                }
            }
        }
        set(c, ContainerState.STARTING);
        long startStarted = System.nanoTime();
        ContainerPaths p = c.paths;
        try {
            Files.createDirectories(p.upper());
            Files.createDirectories(p.work());
            Files.createDirectories(p.rootfs());
            if (!Mounts.isMounted(p.rootfs())) {
                OverlayMount overlay = new OverlayMount(c.layerDirs, p.upper(), p.work(), p.rootfs());
                Libc.mount("overlay", p.rootfs(), "overlay", 0, overlay.options());
            }
        } catch (IOException e) {
            metrics.containerStartFailed(io.gantry.telemetry.Labels.StartFailure.SETUP);
            fail(c, 125, "cannot mount the root filesystem: " + e.getMessage());
            return;
        }
        if (!restart) {
            try {
                if (c.assignment.getSpec().getSecurity().getPrivileged()) {
                    log.warn("container {}: running PRIVILEGED (all capabilities, all devices, no seccomp) as asked", c.id());
                }
                var config = specs.build(c.id(), c.assignment.getSpec(), image.config(), p.rootfs(), volumes);
                // agentnet: the container's network namespace, interfaces, ports and hosts/resolv.conf
                var net = networks.prepare(c.id(), c.assignment, OciSpecBuilder.hostname(c.id(), c.assignment.getSpec()));
                io.gantry.agent.net.OciNetworkSpec.apply(config, net);
                synchronized (c) {
                    c.publishedPorts = net.publishedPorts();
                    c.bridgeIp = net.bridgeIp();
                }
                json.writeValue(p.config().toFile(), config);
            } catch (SpecException | io.gantry.net.NetworkException e) { // a network that cannot be set up fails the start
                metrics.containerStartFailed(io.gantry.telemetry.Labels.StartFailure.SETUP);
                cleanup(c);
                fail(c, 125, e.getMessage());
                return;
            } catch (IOException e) {
                cleanup(c);
                fail(c, 125, "cannot write the OCI spec: " + e.getMessage());
                return;
            }
        }
        try {
            oci.create(p, c.assignment.getSpec().getTty(), c.assignment.getSpec().getOpenStdin(),
                    SpecOptions.logOptions(c.assignment.getSpec()).maxSizeBytes());
        } catch (CreateException e) {
            metrics.containerStartFailed(io.gantry.telemetry.Labels.StartFailure.RUNTIME);
            cleanup(c);
            fail(c, e.exitCode(), e.getMessage());
            return;
        } catch (IOException e) {
            cleanup(c);
            fail(c, 125, e.getMessage());
            return;
        }
        synchronized (c) {
            if (c.removed) {
                return; // the queued remove cleans up
            }
        }
        try {
            oci.start(c.id());
        } catch (IOException e) {
            cleanup(c);
            fail(c, 125, e.getMessage());
            return;
        }
        metrics.containerStarted(java.time.Duration.ofNanos(System.nanoTime() - startStarted));
        synchronized (c) {
            c.state = ContainerState.RUNNING;
            c.startedAtMs = clock.millis();
            c.finishedAtMs = 0;
            c.exitCode = 0;
            c.reason = "";
            c.oomKilled = false;
            startHealth(c, true);
            changed(c);
        }
    }

    /** The registry credentials the user's CLI sent with the workload (like --with-registry-auth), if any. */
    static io.gantry.image.auth.RegistryCredentials credentialsOf(io.gantry.proto.WorkloadSpec spec) {
        if (!spec.hasRegistryAuth() || spec.getRegistryAuth().getRegistry().isEmpty()) {
            return io.gantry.image.auth.RegistryCredentials.NONE;
        }
        var a = spec.getRegistryAuth();
        io.gantry.image.auth.RegistryCredentials.Credential credential = a.getIdentityToken().isEmpty()
                ? new io.gantry.image.auth.RegistryCredentials.Credential.UsernamePassword(a.getUsername(), a.getPassword())
                : new io.gantry.image.auth.RegistryCredentials.Credential.IdentityToken(a.getUsername(), a.getIdentityToken());
        return io.gantry.image.auth.RegistryCredentials.of(Map.of(a.getRegistry(), credential));
    }

    /** A stop that came before the process did; callers hold the container's monitor. */
    private void stoppedBeforeStart(Container c) {
        c.state = ContainerState.EXITED;
        c.reason = "stopped before it started";
        c.finishedAtMs = clock.millis();
        changed(c);
    }

    // ------------------------------------------------------------------ stop / exit

    private void doStop(Container c, Duration timeout) throws IOException, InterruptedException {
        boolean paused;
        synchronized (c) {
            if (c.state != ContainerState.RUNNING && c.state != ContainerState.PAUSED) {
                return;
            }
            paused = c.state == ContainerState.PAUSED;
            c.state = ContainerState.STOPPING;
            stopHealth(c); // probes failing while it stops must not trigger an on-failure action
            changed(c);
        }
        String signal = StopSignal.effective(c.assignment.getSpec().getStopSignal(), c.stopSignal);
        oci.kill(c.id(), signal);
        if (paused) {
            thaw(c); // as Docker does: the signal is pending until the processes run again
        }
        if (!awaitExit(c, timeout)) {
            oci.kill(c.id(), "SIGKILL");
            awaitExit(c, Duration.ofSeconds(10));
        }
    }

    private boolean awaitExit(Container c, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (c) {
            while (c.isLive()) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return false;
                }
                c.wait(Math.min(left, 100));
            }
        }
        return true;
    }

    private long polls;

    private void pollExits() {
        boolean checkMonitors = ++polls % MONITOR_CHECK_EVERY_POLLS == 0;
        for (Container c : containers.values()) {
            try {
                if (!c.isLive()) {
                    continue;
                }
                if (Files.exists(c.paths.exitFile())) {
                    handleExit(c);
                } else if (checkMonitors) {
                    checkMonitor(c);
                }
            } catch (RuntimeException e) {
                log.warn("container {}: exit handling failed: {}", c.id(), e.toString());
            }
        }
    }

    /** conmon gone without an exit file (killed): the exit code is lost, but the container must not look alive. */
    private void checkMonitor(Container c) {
        if (OciRuntime.readPid(c.paths.conmonPidFile()).isEmpty() || OciRuntime.monitorRunning(c.paths)) {
            return;
        }
        if (Files.exists(c.paths.exitFile())) {
            return; // written just before conmon went: the next poll handles it
        }
        try {
            Optional<String> status = oci.status(c.id());
            if (status.isPresent() && !status.get().equals("stopped")) {
                return; // still running, unmonitored; a stop or remove still works through runc
            }
        } catch (IOException e) {
            return;
        }
        exited(c, OptionalInt.empty());
    }

    private void handleExit(Container c) {
        String text;
        try {
            text = Files.readString(c.paths.exitFile()).trim();
        } catch (IOException e) {
            return;
        }
        if (text.isEmpty()) {
            return; // conmon is still writing it: next poll
        }
        int code;
        try {
            code = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            code = 255;
        }
        exited(c, OptionalInt.of(code));
    }

    /** Records an exit (code empty: conmon died and took it along), cleans up the runtime side, maybe restarts. */
    private void exited(Container c, OptionalInt code) {
        synchronized (c) {
            if (!c.isLive() || c.removed) {
                return;
            }
            boolean oom = cgroups.oomKilled(c.cgroupsPath);
            if (oom) {
                metrics.containerOomKilled();
            }
            stopHealth(c);
            rotateLog(c, false); // a file conmon replaced just before the exit
            cleanup(c);
            c.state = ContainerState.EXITED;
            c.exitCode = oom && code.orElse(0) == 0 ? 137 : code.orElse(255);
            c.oomKilled = oom;
            c.reason = code.isEmpty() ? "the container monitor (conmon) died; exit status lost" : oom ? "OOMKilled" : "";
            c.finishedAtMs = clock.millis();
            changed(c);
            c.notifyAll();
            if (c.healthRestart && !c.userStopped && !c.removed) {
                c.healthRestart = false;
                c.restartPending = true; // restart() runs it again in place, whatever the restart policy
                timer.schedule(() -> op(c, () -> restart(c)), 0, TimeUnit.MILLISECONDS);
                return;
            }
            scheduleRestartIfWanted(c);
        }
    }

    private void scheduleRestartIfWanted(Container c) {
        Optional<Duration> delay = RestartDecider.next(c.assignment.getSpec().getRestart(), c.exitCode, c.restartCount, c.userStopped);
        if (delay.isEmpty() || c.removed) {
            return;
        }
        c.restartPending = true;
        timer.schedule(() -> op(c, () -> restart(c)), delay.get().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void restart(Container c) {
        synchronized (c) {
            if (!c.restartPending || c.removed || c.userStopped || c.state != ContainerState.EXITED) {
                c.restartPending = false;
                return;
            }
            c.restartPending = false;
            c.restartCount++;
        }
        start(c, true);
    }

    /** Deletes the runc container (and its cgroups) and unmounts the rootfs; the container dir stays. */
    private void cleanup(Container c) {
        try {
            oci.delete(c.id());
        } catch (IOException e) {
            log.warn("container {}: {}", c.id(), e.getMessage());
        }
        cgroups.remove(c.cgroupsPath);
        try {
            Libc.unmount(c.paths.rootfs());
        } catch (IOException e) {
            log.warn("container {}: {}", c.id(), e.getMessage());
        }
    }

    /** Thaws the container if runc has it paused; errors are only logged (it may be gone already). */
    private void thaw(Container c) {
        try {
            if (oci.status(c.id()).filter("paused"::equals).isPresent()) {
                oci.resume(c.id());
            }
        } catch (IOException e) {
            log.warn("container {}: resume failed: {}", c.id(), e.getMessage());
        }
    }

    // ------------------------------------------------------------------ remove

    private void doRemove(Container c) {
        stopHealth(c);
        try {
            oci.kill(c.id(), "SIGKILL");
            thaw(c); // a frozen process does not die of SIGKILL (cgroup v1) until it is thawed
            cleanup(c);
            networks.release(c.id()); // agentnet: its namespace, veths, port rules, hosts/resolv.conf
            deleteFiles(c);
        } catch (IOException | RuntimeException e) {
            retryRemoveLater(c, e);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // close() is stopping the workers
            retryRemoveLater(c, e);
            return;
        }
        containers.remove(c.id(), c);
        if (c.removeAttempts > 0) {
            log.info("container {}: removed after {} failed attempt(s)", c.id(), c.removeAttempts);
        }
        synchronized (c) {
            c.state = ContainerState.REMOVED;
            c.notifyAll();
            try {
                listener.changed(c.status());
            } catch (RuntimeException e) {
                log.warn("status listener failed: {}", e.toString());
            }
            c.removal.complete(null);
        }
    }

    /**
     * A failed removal stays hidden from the reconciler (it must not be restarted) but is not
     * forgotten: it is tried again with growing back-off until it succeeds and REMOVED is reported.
     * A runtime closed without removeAll() stops trying: the next agent start recovers it.
     */
    private void retryRemoveLater(Container c, Exception cause) {
        int attempt = ++c.removeAttempts; // only touched under c.opLock
        long delay = Math.min(MAX_REMOVE_RETRY.toMillis(), FIRST_REMOVE_RETRY.toMillis() << Math.min(attempt - 1, 16));
        if (abandonedAtClose(c, cause)) {
            return;
        }
        log.warn("container {}: removal attempt {} failed, retrying in {} ms: {}", c.id(), attempt, delay, cause.toString());
        // Not the exit-watch timer: it is gone after close(), and removeAll() after close() must still finish.
        CompletableFuture.runAsync(() -> {
            if (!abandonedAtClose(c, cause)) {
                op(c, () -> doRemove(c));
            }
        }, CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS, task -> Thread.ofVirtual().start(task)));
    }

    /** A runtime closed without removeAll() stops retrying: the next agent start recovers the container. */
    private boolean abandonedAtClose(Container c, Exception cause) {
        if (!closed || shuttingDown) {
            return false;
        }
        log.warn("container {}: removal failed ({}); the runtime is closed, the next agent start will clean it up",
                c.id(), cause.toString());
        synchronized (c) {
            c.removal.completeExceptionally(new IOException("removing " + c.id() + " failed: " + cause.getMessage(), cause));
        }
        return true;
    }

    /** Waits for conmon to write its exit file and go (no monitor outlives its dir), then deletes the container dir. */
    private void deleteFiles(Container c) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (OciRuntime.monitorRunning(c.paths) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        // cleanup() may have failed to unmount (busy): detach it now rather than give up.
        for (int i = 0; i < 8 && Mounts.isMounted(c.paths.rootfs()); i++) {
            if (!Libc.unmount(c.paths.rootfs())) {
                break;
            }
        }
        // Deleting would walk into a mount and delete what is mounted there: never do that.
        List<String> mounts = Mounts.under(c.paths.dir());
        if (!mounts.isEmpty()) {
            throw new IOException("not deleting the files of " + c.id() + ": still mounted: " + String.join(", ", mounts));
        }
        if (c.keepLogs) {
            deleteAllButLogs(c.paths);
        } else {
            FileTrees.delete(c.paths.dir());
        }
        Files.deleteIfExists(oci.attachLink(c.id()));
    }


    // ------------------------------------------------------------------ recovery

    /**
     * Scans the containers dir (after an agent restart), adopts every container found and resumes
     * exit watching. Containers that never got past creation are cleaned away (the scheduler will
     * assign them again). Returns what was found.
     */
    @Override
    public List<ContainerStatus> recover() throws IOException {
        Path root = settings.dataDir().resolve("containers");
        Files.createDirectories(root);
        List<ContainerStatus> found = new ArrayList<>();
        try (var dirs = Files.list(root)) {
            for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                Container c = stateFiles.load(settings.dataDir(), dir);
                if (c == null || containers.containsKey(c.id())) {
                    continue;
                }
                if (adopt(c)) {
                    networks.current(c.id()).ifPresent(net -> { // agentnet: what it was given before the restart
                        c.publishedPorts = net.publishedPorts();
                        c.bridgeIp = net.bridgeIp();
                    });
                    containers.put(c.id(), c);
                    if (c.isLive() && Files.exists(c.paths.exitFile())) {
                        handleExit(c); // it ended while no agent was watching (also schedules a restart)
                    } else {
                        synchronized (c) {
                            if (c.state == ContainerState.EXITED) {
                                scheduleRestartIfWanted(c);
                            } else if (c.state == ContainerState.RUNNING) {
                                startHealth(c, true); // health is not persisted: from STARTING again
                            }
                        }
                    }
                    found.add(c.status());
                }
            }
        }
        return found;
    }

    private boolean adopt(Container c) throws IOException {
        switch (c.state) {
            case RUNNING, STOPPING, PAUSED -> {
                if (oci.status(c.id()).isEmpty() && !Files.exists(c.paths.exitFile())) {
                    cleanup(c);
                    c.state = ContainerState.EXITED;
                    c.exitCode = 255;
                    c.reason = "the container's exit status was lost";
                    c.finishedAtMs = clock.millis();
                    stateFiles.save(c);
                }
                // else stays live: the exit watcher reads the exit file (also one written while we were away)
                return true;
            }
            case EXITED, FAILED -> {
                return true;
            }
            default -> {
                // Never got running: throw the leftovers away; the scheduler assigns it again.
                // The agent may have died while conmon was still running `runc create`: let
                // that finish first, or runc would create the container after our delete
                // and the next start of this id would find it already there.
                try {
                    awaitCreateSettled(c);
                    cleanup(c);
                    deleteFiles(c);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (IOException e) {
                    log.warn("container {}: could not clean up an unfinished start: {}", c.id(), e.getMessage());
                }
                return false;
            }
        }
    }

    /** Waits (bounded) until a still-running conmon has reported the outcome of `runc create`. */
    private static void awaitCreateSettled(Container c) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (OciRuntime.monitorRunning(c.paths) && !OciRuntime.createReported(c.paths) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    // ------------------------------------------------------------------ node sessions

    /** A snapshot of the container, unless unknown or being removed. */
    public Optional<ContainerView> view(String id) {
        Container c = containers.get(id);
        return c == null ? Optional.empty() : Optional.ofNullable(view(c));
    }

    public List<ContainerView> views() {
        return containers.values().stream().map(this::view).filter(java.util.Objects::nonNull).toList();
    }

    private ContainerView view(Container c) {
        synchronized (c) {
            if (c.removed) {
                return null;
            }
            return new ContainerView(c.id(), c.assignment.getSpec().getName(), c.state, c.startedAtMs, c.assignment.getPlacementVersion(),
                    c.assignment.getSpec(), c.paths, c.cgroupsPath, c.exitCode, c.imageDigest);
        }
    }

    public VolumeStore volumes() {
        return volumes;
    }

    public OciRuntime oci() {
        return oci;
    }

    /** Work on the container's root filesystem: {@code cp}. */
    public interface RootfsTask<T> {
        T run(Path rootfs) throws Exception;
    }

    /**
     * Runs {@code task} on the container's mounted rootfs. A live container's is mounted already; a stopped one's
     * is mounted for the task (under the container's operation lock, so that no start or remove interleaves)
     * and unmounted afterwards. Fails for unknown, never-started or removed containers.
     */
    public <T> T withRootfs(String id, RootfsTask<T> task) throws Exception {
        Container c = containers.get(id);
        if (c == null) {
            throw new java.util.NoSuchElementException("no such container: " + id);
        }
        if (c.isLive() && Mounts.isMounted(c.paths.rootfs())) {
            return task.run(c.paths.rootfs());
        }
        c.opLock.lock();
        try {
            List<Path> layers;
            synchronized (c) {
                if (c.removed) {
                    throw new java.util.NoSuchElementException("no such container: " + id);
                }
                layers = c.layerDirs;
            }
            Path rootfs = c.paths.rootfs();
            if (Mounts.isMounted(rootfs)) {
                return task.run(rootfs);
            }
            if (layers.isEmpty() || !Files.isDirectory(c.paths.upper())) {
                throw new IOException("the container " + c.assignment.getSpec().getName() + " has no filesystem yet");
            }
            Files.createDirectories(rootfs);
            Libc.mount("overlay", rootfs, "overlay", 0, new OverlayMount(layers, c.paths.upper(), c.paths.work(), rootfs).options());
            try {
                return task.run(rootfs);
            } finally {
                Libc.unmount(rootfs);
            }
        } finally {
            c.opLock.unlock();
        }
    }

    // ------------------------------------------------------------------ replace, health, log rotation

    /**
     * A newer placement of a container we have ({@code start} of a stopped one, {@code restart}): stops it
     * gracefully, removes it but keeps its log files, and runs the new one, which appends to the same log
     * (as Docker's start keeps a container's logs).
     */
    @Override
    public CompletableFuture<Void> replace(Assignment assignment, Duration stopTimeout) {
        String id = assignment.getWorkloadId();
        Container c = containers.get(id);
        if (c == null) {
            return run(assignment);
        }
        synchronized (c) {
            c.keepLogs = true;
        }
        return stop(id, stopTimeout).thenCompose(v -> remove(id)).thenRun(() -> {
            try {
                run(assignment);
            } catch (RuntimeException e) {
                // shutting down: the kept logs have no container any more
                try {
                    FileTrees.delete(ContainerPaths.of(settings.dataDir(), id).dir());
                } catch (IOException | RuntimeException ignored) {
                    // best effort
                }
                throw e;
            }
        });
    }

    /** The log files stay (rotated ones too); everything else of the container's dir goes. */
    private static void deleteAllButLogs(ContainerPaths paths) throws IOException {
        java.util.Set<Path> logs = new java.util.HashSet<>(LogFiles.all(paths.log()));
        try (var children = Files.list(paths.dir())) {
            for (Path child : children.toList()) {
                if (!logs.contains(child)) {
                    FileTrees.delete(child);
                }
            }
        }
    }

    /** Starts the container's health checker if it has a check; callers hold its monitor and report afterwards. */
    private void startHealth(Container c, boolean fresh) {
        stopHealth(c);
        if (c.healthCheck == null) {
            // Recovered after an agent restart (not persisted): the spec's check; the image's is not known here.
            c.healthCheck = SpecOptions.healthCheckOrNull(c.assignment.getSpec());
        }
        HealthCheckSpec check = c.healthCheck;
        if (check == null) {
            c.health = HealthSnapshot.NONE;
            return;
        }
        HealthMonitor monitor = new HealthMonitor(java.time.Instant.ofEpochMilli(c.startedAtMs), check.startPeriod(),
                Math.max(1, check.retries()), fresh ? HealthSnapshot.STARTING : c.health);
        c.health = monitor.current();
        RuncHealthProbe probe = new RuncHealthProbe(settings.runcBinary(), settings.runcRoot(), c.id(), c.paths.config(), c.paths.dir());
        HealthChecker[] self = new HealthChecker[1];
        HealthChecker checker = new HealthChecker(check, monitor, probe, clock, timer, workers, new HealthChecker.Listener() {
            @Override
            public void changed(HealthSnapshot snapshot) {
                synchronized (c) {
                    if (health.get(c.id()) == self[0] && c.state == ContainerState.RUNNING && !c.removed) {
                        c.health = snapshot;
                        ContainerRuntime.this.changed(c);
                    }
                }
            }

            @Override
            public void becameUnhealthy(HealthSnapshot snapshot) {
                if (health.get(c.id()) == self[0]) {
                    onUnhealthy(c, check.onFailure());
                }
            }
        });
        self[0] = checker;
        health.put(c.id(), checker);
        checker.start();
    }

    private void stopHealth(Container c) {
        HealthChecker checker = health.remove(c.id());
        if (checker != null) {
            checker.close();
        }
    }

    /** The health check's {@code on_failure} action, once the container turned unhealthy. */
    private void onUnhealthy(Container c, HealthCheck.OnFailure action) {
        Duration timeout = c.assignment.getStopTimeoutSeconds() > 0 ? Duration.ofSeconds(c.assignment.getStopTimeoutSeconds())
                : Duration.ofSeconds(10);
        switch (action) {
            case KILL -> {
                log.info("container {}: unhealthy, killing it (its restart policy applies)", c.id());
                signal(c.id(), c.assignment.getPlacementVersion(), "SIGKILL");
            }
            case RESTART -> {
                log.info("container {}: unhealthy, restarting it", c.id());
                synchronized (c) {
                    c.healthRestart = true;
                }
                op(c, () -> doStop(c, timeout));
            }
            case STOP -> {
                log.info("container {}: unhealthy, stopping it", c.id());
                stop(c.id(), timeout).thenRun(() -> {
                    synchronized (c) {
                        if (c.state == ContainerState.EXITED && !c.removed) {
                            c.reason = "stopped by its health check (unhealthy)";
                            changed(c);
                        }
                    }
                });
            }
            case NONE, UNRECOGNIZED -> {
            }
        }
    }

    private void rotateLogs() {
        for (Container c : containers.values()) {
            if (c.isLive()) {
                rotateLog(c, true);
            }
        }
    }

    /** One rotation step (see {@link LogRotator}); {@code conmonRuns}: conmon may be asked to reopen the log. */
    private void rotateLog(Container c, boolean conmonRuns) {
        LogOptions options = SpecOptions.logOptionsOrUnlimited(c.assignment.getSpec());
        if (!options.rotates() || c.removed) {
            return;
        }
        LogRotator rotator = rotators.computeIfAbsent(c, x -> new LogRotator(x.paths.log(), x.paths.ctlFifo(), options));
        synchronized (rotator) { // the exit watcher and the rotation timer
            try {
                rotator.check(conmonRuns);
            } catch (IOException | RuntimeException e) {
                log.debug("container {}: log rotation: {}", c.id(), e.toString());
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    private void set(Container c, ContainerState state) {
        synchronized (c) {
            c.state = state;
            changed(c);
        }
    }

    private void fail(Container c, int exitCode, String reason) {
        synchronized (c) {
            c.state = ContainerState.FAILED;
            c.exitCode = exitCode;
            c.reason = reason == null ? "" : reason.replaceAll("\\s*\\R\\s*", " ");
            c.finishedAtMs = clock.millis();
            changed(c);
            c.notifyAll();
        }
    }

    /** Persists and reports; callers hold the container's monitor. */
    private void changed(Container c) {
        stateFiles.save(c);
        try {
            listener.changed(c.status());
        } catch (RuntimeException e) {
            log.warn("status listener failed: {}", e.toString());
        }
    }
}
