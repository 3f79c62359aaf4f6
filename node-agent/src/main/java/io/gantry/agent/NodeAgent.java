package io.gantry.agent;

import io.gantry.proto.LeaderTrailer;
import io.gantry.agent.logs.LogReader;
import io.gantry.agent.reconcile.ReconcileAction;
import io.gantry.agent.reconcile.Reconciler;
import io.gantry.agent.runtime.Cgroups;
import io.gantry.agent.runtime.ContainerRuntime;
import io.gantry.agent.runtime.AgentRuntime;
import io.gantry.agent.runtime.OciRuntime;
import io.gantry.agent.runtime.RuntimeSettings;
import io.gantry.agent.session.CgroupUsageReader;
import io.gantry.agent.session.ImageSessions;
import io.gantry.agent.session.NodeSessions;
import io.gantry.agent.session.SessionHandlers;
import io.gantry.agent.session.SessionRouter;
import io.gantry.agent.sim.SharedResources;
import io.gantry.agent.sim.SimSettings;
import io.gantry.agent.sim.SimulatedRuntime;
import io.gantry.image.ImageService;
import io.gantry.image.ImageStore;
import io.gantry.proto.AgentLinkGrpc;
import io.gantry.proto.AgentMessage;
import io.gantry.proto.Assignments;
import io.gantry.proto.ContainerStatus;
import io.gantry.proto.Heartbeat;
import io.gantry.proto.LogChunk;
import io.gantry.proto.LogRequest;
import io.gantry.proto.Register;
import io.gantry.proto.SchedulerMessage;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agent: one {@code AgentLink.Connect} stream to the scheduler leader; registers,
 * heartbeats, reports every container state change, reconciles against the desired set it is
 * sent and serves logs. Closing it disconnects only: containers keep running under conmon.
 */
public final class NodeAgent implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeAgent.class);
    public static final String AGENT_VERSION = "0.1.0";
    private static final long DEFAULT_HEARTBEAT_MS = 1000;
    private static final long MIN_BACKOFF_MS = 100;
    /** Short: after a leader dies, the new one marks nodes down if they have not come back within the heartbeat timeout. */
    private static final long MAX_BACKOFF_MS = 1000;

    private final AgentConfig config;
    private final Clock clock;
    private final AgentRuntime runtime;
    private final ScheduledExecutorService timer;
    /** All writes to the stream go through this one (logical) thread: StreamObserver is not thread-safe. */
    private final ExecutorService sender;
    /** Reconciliations apply one after the other, off the gRPC thread. */
    private final ExecutorService reconciler;
    private final ExecutorService logWorkers;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    /** Hollow agents share timer, workers and channels with each other: those are not theirs to close. */
    private final SharedResources shared;
    private final int channelSlot;
    private final Set<Long> cancelledLogs = ConcurrentHashMap.newKeySet();
    private final Object registeredMonitor = new Object();
    /** Node sessions (exec, attach, cp, top, stats, volumes, images) relayed by the scheduler. */
    private final SessionRouter sessions;
    private static final int SESSION_WINDOW = 64;
    private final java.util.concurrent.Semaphore sessionWindow = new java.util.concurrent.Semaphore(SESSION_WINDOW);
    /** agentnet: container networking; null for hollow (simulated) agents, which never touch the host's network. */
    private final io.gantry.agent.net.AgentNetworking networking;

    private volatile String defaultRegistry;
    private volatile String leaderAddress;
    private volatile Session session;
    private volatile boolean closed;
    private volatile boolean registered;
    /** The newest desired set not yet applied (see {@link #onAssignments}). */
    private final java.util.concurrent.atomic.AtomicReference<Assignments> latestAssignments =
            new java.util.concurrent.atomic.AtomicReference<>();
    /** Told to the scheduler at registration, for Prometheus' service discovery ("" = none). */
    private volatile String metricsAddress = "";
    private int attempt;
    private long backoffMs = MIN_BACKOFF_MS;

    /** Unmetered, with the host's resolvers for its DNS (tests). */
    public NodeAgent(AgentConfig config, ImageService images, Clock clock) {
        this(config, images, clock, io.gantry.agent.net.NetworkOptions.forAgent(config.nodeName(), config.runcRoot(),
                io.gantry.agent.net.NetworkOptions.parseUpstreams(List.of(), Path.of("/etc/resolv.conf"))));
    }

    /** With explicit networking options (DNS upstreams, node tag, or disabled). */
    public NodeAgent(AgentConfig config, ImageService images, Clock clock, io.gantry.agent.net.NetworkOptions network) {
        this(config, images, clock, new io.gantry.telemetry.AgentMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry()),
                network);
    }

    public NodeAgent(AgentConfig config, ImageService images, Clock clock, io.gantry.telemetry.AgentMetrics metrics,
                     io.gantry.agent.net.NetworkOptions network) {
        this.config = config;
        this.networking = new io.gantry.agent.net.AgentNetworking(network);
        this.clock = clock;
        this.defaultRegistry = config.defaultRegistry();
        this.shared = null;
        this.channelSlot = 0;
        this.timer = Executors.newSingleThreadScheduledExecutor(daemon("gantry-agent-timer"));
        this.sender = Executors.newSingleThreadExecutor(daemon("gantry-agent-send"));
        this.reconciler = Executors.newSingleThreadExecutor(daemon("gantry-agent-reconcile"));
        this.logWorkers = Executors.newVirtualThreadPerTaskExecutor();
        this.runtime = new ContainerRuntime(
                new RuntimeSettings(config.dataDir(), config.runcBinary(), config.conmonBinary(), config.runcRoot(),
                        config.cgroupParent(), config.defaultPidsLimit()),
                images, clock, () -> defaultRegistry, this::reportStatus, metrics, networking);
        ContainerRuntime real = (ContainerRuntime) runtime;
        SessionHandlers imageSessions = images instanceof ImageStore store
                ? new ImageSessions(store, real, () -> defaultRegistry, config.nodeName())
                : NodeSessions.IMAGES_UNIMPLEMENTED; // a test's fake image service
        this.sessions = new SessionRouter(new NodeSessions(real, config.nodeName(), CgroupUsageReader.host(), clock,
                imageSessions), this::sendSession);
    }

    /** A hollow agent: the real agent and protocol over a {@link SimulatedRuntime}, on threads shared with others. */
    private NodeAgent(AgentConfig config, SimSettings sim, Clock clock, SharedResources shared) {
        this.config = config;
        this.clock = clock;
        this.defaultRegistry = config.defaultRegistry();
        this.shared = shared;
        this.channelSlot = shared.nextSlot();
        this.timer = shared.timer();
        this.sender = shared.serialExecutor();
        this.reconciler = shared.serialExecutor();
        this.logWorkers = shared.logWorkers();
        this.networking = null;
        this.runtime = new SimulatedRuntime(sim, clock, shared.timer(), this::reportStatus);
        this.sessions = new SessionRouter(SessionHandlers.unsupported("not supported by the simulated runtime"), this::sendSession);
    }

    /**
     * A hollow node (Kubernetes' kubemark idea) for {@code gantry agent --runtime sim} and the scale benchmark:
     * registers, heartbeats, reconciles and reports like a real agent, but its containers are simulated
     * ({@link SimSettings}) and it owns no threads or connections: many share one {@link SharedResources},
     * which the caller closes after closing the agents. Only {@code config}'s scheduler addresses, node name,
     * advertise address, labels and default registry matter; nothing is written to disk.
     */
    public static NodeAgent simulated(AgentConfig config, SimSettings sim, Clock clock, SharedResources shared) {
        return new NodeAgent(config, sim, clock, shared);
    }

    /** Recovers containers found on disk and connects (asynchronously, retrying) to the scheduler. */
    public void start() {
        try {
            List<ContainerStatus> found = runtime.recover();
            if (networking != null) { // agentnet: keep what recovered containers own, prune the rest
                networking.recover(found.stream().map(ContainerStatus::getWorkloadId).toList());
            }
            if (shared == null) {
                log.info("node {}: recovered {} container(s)", config.nodeName(), found.size());
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot scan " + config.dataDir() + ": " + e.getMessage(), e);
        }
        sender.execute(this::connect);
    }

    public boolean awaitRegistered(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (registeredMonitor) {
            while (!registered) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return false;
                }
                registeredMonitor.wait(left);
            }
            return true;
        }
    }

    /** Where this agent's /metrics is served, announced at (re)registration; set before {@link #start()}. */
    public void announceMetrics(String hostPort) {
        this.metricsAddress = hostPort == null ? "" : hostPort;
    }

    /** Whether the agent is registered with the leader right now (its endpoint's /readyz). */
    public boolean isRegistered() {
        return registered;
    }

    /** Running containers as the per-container metrics see them; none on a hollow node. */
    public java.util.List<io.gantry.telemetry.ContainerDescriptor> containerDescriptors() {
        if (!(runtime instanceof ContainerRuntime real)) {
            return java.util.List.of();
        }
        var out = new java.util.ArrayList<io.gantry.telemetry.ContainerDescriptor>();
        for (var v : real.views()) {
            if (v.state() != io.gantry.proto.ContainerState.RUNNING && v.state() != io.gantry.proto.ContainerState.PAUSED) {
                continue;
            }
            long pid = 0;
            try {
                pid = Long.parseLong(java.nio.file.Files.readString(v.paths().pidFile()).strip());
            } catch (java.io.IOException | NumberFormatException e) {
                // no network counters for this one
            }
            out.add(new io.gantry.telemetry.ContainerDescriptor(v.id(), v.name(), v.spec().getImage(), config.nodeName(),
                    v.spec().getLabelsOrDefault("gantry.service", ""), v.cgroupsPath(), pid,
                    java.time.Instant.ofEpochMilli(v.startedAtMs()), v.spec().getResources().getMemoryBytes()));
        }
        return out;
    }

    /** The container runtime (for `gantry dev` and tests). */
    public ContainerRuntime runtime() {
        if (runtime instanceof ContainerRuntime real) {
            return real;
        }
        throw new IllegalStateException("node " + config.nodeName() + " runs simulated containers: it has no container runtime");
    }

    /** Whatever runs this agent's containers: the real runtime or a {@link SimulatedRuntime}. */
    public AgentRuntime agentRuntime() {
        return runtime;
    }

    /** agentnet: the node's container networking (null for a hollow agent). */
    public io.gantry.agent.net.AgentNetworking networking() {
        return networking;
    }

    public String nodeName() {
        return config.nodeName();
    }

    /** Disconnects; containers keep running. Idempotent; {@link #removeAllContainers()} still works afterwards. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        sessions.cancelAll();
        Session s = session;
        sender.execute(() -> {
            if (s != null) {
                s.end();
                try {
                    s.out.onCompleted();
                } catch (RuntimeException ignored) {
                    // already broken
                }
            }
        });
        sender.shutdown();
        try {
            sender.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        reconciler.shutdownNow();
        if (shared == null) {
            timer.shutdownNow();
            logWorkers.shutdownNow();
            channels.values().forEach(ManagedChannel::shutdownNow);
        }
        // Containers outlive their agent, and so must their networking; with none left, nothing should stay.
        boolean noContainers = shared == null && runtime.statuses().isEmpty();
        runtime.close();
        if (networking != null) {
            if (noContainers) {
                networking.removeAll(); // bridges, VXLAN devices, rules, namespaces, sysctls
            } else {
                networking.close(); // DNS stops; links, namespaces and rules stay for the running containers
            }
        }
        removeEmptyHostDirs();
    }

    /** Stops and removes every container this agent manages (for `gantry dev` shutdown and tests). */
    public void removeAllContainers() {
        runtime.removeAll();
        if (networking != null) {
            networking.removeAll(); // agentnet: bridges, VXLAN devices, rules, namespaces, sysctls
        }
        removeEmptyHostDirs();
    }

    /**
     * What only containers needed: their parent cgroup and runc's state dirs. Each goes
     * only when empty (a cgroup with processes cannot be removed), so running containers
     * and another agent sharing them are safe.
     */
    private void removeEmptyHostDirs() {
        if (shared != null) {
            return; // a hollow node made none
        }
        Cgroups.host().remove("/" + config.cgroupParent());
        Path runcRoot = config.runcRoot();
        for (Path dir : List.of(runcRoot, OciRuntime.socketDir(runcRoot), runcRoot.getParent())) {
            try {
                Files.deleteIfExists(dir);
            } catch (IOException notEmpty) {
                // still in use by someone else
            }
        }
    }

    // ------------------------------------------------------------------ connection

    /** Runs on the sender thread. */
    private void connect() {
        if (closed) {
            return;
        }
        String address = leaderAddress != null ? leaderAddress
                : config.schedulerAddresses().get(Math.floorMod(attempt, config.schedulerAddresses().size()));
        attempt++;
        ManagedChannel channel = shared != null ? shared.channel(address, channelSlot)
                : channels.computeIfAbsent(address, NodeAgent::channelFor);
        Session s = new Session(address);
        try {
            s.out = AgentLinkGrpc.newStub(channel).connect(s);
            s.out.onNext(AgentMessage.newBuilder().setRegister(Register.newBuilder()
                    .setNodeName(config.nodeName())
                    .setAddress(config.advertiseAddress())
                    .setCpuMillis(runtime.cpuMillis())
                    .setMemoryBytes(runtime.memoryBytes())
                    .putAllLabels(config.labels())
                    .setAgentVersion(AGENT_VERSION)
                    .setMetricsAddress(metricsAddress)
                    .addAllContainers(runtime.statuses())).build());
            session = s;
        } catch (RuntimeException e) {
            log.warn("cannot connect to {}: {}", address, e.toString());
            s.end();
            long delay = backoffMs;
            backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
            timer.schedule(() -> sender.execute(this::connect), delay, TimeUnit.MILLISECONDS);
        }
    }

    private static ManagedChannel channelFor(String address) {
        if (address.startsWith("inprocess:")) {
            return InProcessChannelBuilder.forName(address.substring("inprocess:".length())).build();
        }
        return NettyChannelBuilder.forTarget(address).usePlaintext().build();
    }

    /** Back-off state lives on the sender thread, like every other connection step. */
    private void scheduleReconnect(boolean immediately) {
        if (closed) {
            return;
        }
        try {
            sender.execute(() -> {
                long delay = immediately ? 0 : backoffMs;
                backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
                timer.schedule(() -> sender.execute(this::connect), delay, TimeUnit.MILLISECONDS);
            });
        } catch (RuntimeException e) {
            // shutting down
        }
    }

    private void send(AgentMessage message) {
        try {
            sender.execute(() -> {
                Session s = session;
                if (s != null && s.open) {
                    try {
                        s.out.onNext(message);
                    } catch (RuntimeException e) {
                        log.debug("send failed: {}", e.toString());
                    }
                }
            });
        } catch (RuntimeException e) {
            // closed: nothing to report to
        }
    }

    /**
     * Session output (exec, cp) can be produced much faster than the stream drains: at most
     * {@link #SESSION_WINDOW} frames wait for the sender; the producing session thread blocks meanwhile.
     */
    private void sendSession(io.gantry.proto.SessionFrame frame) {
        try {
            sessionWindow.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // a cancelled session: its output has nobody to go to
            return;
        }
        AgentMessage message = AgentMessage.newBuilder().setSession(frame).build();
        try {
            sender.execute(() -> {
                try {
                    Session s = session;
                    if (s != null && s.open) {
                        s.out.onNext(message);
                    }
                } catch (RuntimeException e) {
                    log.debug("send failed: {}", e.toString());
                } finally {
                    sessionWindow.release();
                }
            });
        } catch (RuntimeException e) {
            sessionWindow.release(); // closed: nothing to send to
        }
    }

    /** The node sessions still running (for tests). */
    public int activeSessions() {
        return sessions.active();
    }

    private void reportStatus(ContainerStatus status) {
        send(AgentMessage.newBuilder().setStatus(status).build());
    }

    // ------------------------------------------------------------------ incoming

    private void onRegistered(Session s, long heartbeatMs, String registry, String nodeSubnet) {
        if (!registry.isEmpty()) {
            defaultRegistry = registry;
        }
        if (networking != null) {
            // agentnet: on the reconciler, so the bridge exists before the first assignments are applied
            reconciler.execute(() -> {
                try {
                    networking.onRegistered(nodeSubnet, config.advertiseAddress());
                } catch (RuntimeException e) {
                    log.warn("node {}: cannot set up the node bridge {}: {}", config.nodeName(), nodeSubnet, e.getMessage());
                }
            });
        }
        long interval = heartbeatMs > 0 ? heartbeatMs : DEFAULT_HEARTBEAT_MS;
        s.heartbeat = timer.scheduleAtFixedRate(() -> send(AgentMessage.newBuilder()
                .setHeartbeat(Heartbeat.newBuilder().setSentAtMs(clock.millis())).build()), interval, interval, TimeUnit.MILLISECONDS);
        sender.execute(() -> backoffMs = MIN_BACKOFF_MS);
        synchronized (registeredMonitor) {
            registered = true;
            registeredMonitor.notifyAll();
        }
    }

    /**
     * Assignments are level-triggered (each one is the node's whole desired set): when several arrive while the
     * reconciler is busy (a service scaling, member changes of a network), only the newest is applied.
     */
    private void onAssignments(Assignments assignments) {
        if (latestAssignments.getAndSet(assignments) == null) {
            reconciler.execute(() -> {
                Assignments newest = latestAssignments.getAndSet(null);
                if (newest != null) {
                    apply(newest);
                }
            });
        }
    }

    private void apply(Assignments assignments) {
        if (networking != null) {
            try {
                networking.onAssignments(assignments); // agentnet: networks before the containers that need them
            } catch (RuntimeException e) {
                log.warn("node {}: networks: {}", config.nodeName(), e.toString());
            }
        }
        List<ReconcileAction> actions = Reconciler.reconcile(assignments.getAssignmentsList(), runtime.localView());
        for (ReconcileAction action : actions) {
            log.debug("node {}: {}", config.nodeName(), action);
            try {
                switch (action) {
                    case ReconcileAction.Start st -> runtime.run(st.assignment());
                    // a graceful stop first: `gantry restart -t N` and `start` replace the container this way
                    case ReconcileAction.Replace r -> runtime.replace(r.assignment(), stopTimeout(r.assignment()))
                            .exceptionally(e -> {
                                Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
                                log.warn("node {}: replacing {} failed: {}", config.nodeName(), r.workloadId(), cause.toString());
                                return null;
                            });
                    case ReconcileAction.Stop stop -> runtime.stop(stop.workloadId(), stop.timeout());
                    case ReconcileAction.Pause p -> runtime.pause(p.workloadId());
                    case ReconcileAction.Resume r -> runtime.resume(r.workloadId());
                    case ReconcileAction.Remove rm -> runtime.remove(rm.workloadId());
                }
            } catch (RuntimeException e) {
                log.warn("node {}: {} failed: {}", config.nodeName(), action, e.toString());
            }
        }
    }

    private static java.time.Duration stopTimeout(io.gantry.proto.Assignment a) {
        return a.getStopTimeoutSeconds() > 0 ? java.time.Duration.ofSeconds(a.getStopTimeoutSeconds()) : Reconciler.DEFAULT_STOP_TIMEOUT;
    }

    /** One-shot, after the assignments already received (same executor): {@code gantry kill}. */
    private void onSignal(io.gantry.proto.Signal signal) {
        reconciler.execute(() -> {
            try {
                runtime.signal(signal.getWorkloadId(), signal.getPlacementVersion(), signal.getSignal());
            } catch (RuntimeException e) {
                log.warn("node {}: signal {} to {} failed: {}", config.nodeName(), signal.getSignal(), signal.getWorkloadId(), e.toString());
            }
        });
    }

    private void serveLogs(Session s, LogRequest request) {
        long id = request.getRequestId();
        var source = runtime.logSource(request.getWorkloadId());
        if (source.isEmpty()) {
            send(logChunk(id).setDone(true).setError("no such container: " + request.getWorkloadId()).build());
            return;
        }
        try {
            new LogReader(source.get().file()).stream(request.getTail(), request.getSinceNanos(), request.getUntilNanos(),
                    request.getFollow(), source.get().active(),
                    () -> cancelledLogs.contains(id) || !s.open || closed,
                    entries -> send(logChunk(id).addAllEntries(entries).build()));
            send(logChunk(id).setDone(true).build());
        } catch (IOException e) {
            send(logChunk(id).setDone(true).setError("cannot read logs: " + e.getMessage()).build());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            cancelledLogs.remove(id);
        }
    }

    private static LogChunk.Builder logChunk(long requestId) {
        return LogChunk.newBuilder().setRequestId(requestId);
    }

    private AgentMessage logChunkMessage(LogChunk chunk) {
        return AgentMessage.newBuilder().setLogChunk(chunk).build();
    }

    private void send(LogChunk chunk) {
        send(logChunkMessage(chunk));
    }

    /** One Connect stream. */
    private final class Session implements ClientResponseObserver<AgentMessage, SchedulerMessage> {
        final String address;
        volatile StreamObserver<AgentMessage> out;
        volatile boolean open = true;
        volatile ScheduledFuture<?> heartbeat;

        Session(String address) {
            this.address = address;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<AgentMessage> requestStream) {
            this.out = requestStream;
        }

        @Override
        public void onNext(SchedulerMessage message) {
            if (!open) {
                return;
            }
            switch (message.getBodyCase()) {
                case REGISTERED -> onRegistered(this, message.getRegistered().getHeartbeatIntervalMs(),
                        message.getRegistered().getDefaultRegistry(), message.getRegistered().getNodeSubnet());
                case ASSIGNMENTS -> onAssignments(message.getAssignments());
                case LOG_REQUEST -> logWorkers.execute(() -> serveLogs(this, message.getLogRequest()));
                case LOG_CANCEL -> cancelledLogs.add(message.getLogCancel().getRequestId());
                case SIGNAL -> onSignal(message.getSignal());
                case SESSION -> sessions.onFrame(message.getSession());
                case BODY_NOT_SET -> {
                }
            }
        }

        @Override
        public void onError(Throwable t) {
            Status status = Status.fromThrowable(t);
            Optional<String> leader = LeaderTrailer.leaderFrom(t);
            end();
            if (closed) {
                return;
            }
            if (leader.isPresent()) {
                log.info("{} is not the leader; following it to {}", address, leader.get());
                leaderAddress = leader.get();
                scheduleReconnect(true);
            } else {
                log.info("scheduler stream to {} broke: {}", address, status);
                leaderAddress = null;
                scheduleReconnect(false);
            }
        }

        @Override
        public void onCompleted() {
            end();
            try {
                out.onCompleted();
            } catch (RuntimeException ignored) {
                // already closed
            }
            if (!closed) {
                leaderAddress = null;
                scheduleReconnect(false);
            }
        }

        void end() {
            if (open) {
                sessions.cancelAll(); // nobody hears these sessions any more: end them, kill what they started
            }
            open = false;
            ScheduledFuture<?> h = heartbeat;
            if (h != null) {
                h.cancel(false);
            }
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
