package io.gantry.scheduler.core;

import io.gantry.proto.Assignment;
import io.gantry.proto.Assignments;
import io.gantry.proto.ContainerState;
import io.gantry.proto.ContainerStatus;
import io.gantry.proto.DesiredState;
import io.gantry.proto.LogChunk;
import io.gantry.proto.LogEntry;
import io.gantry.proto.LogRequest;
import io.gantry.proto.Node;
import io.gantry.proto.NodeRejection;
import io.gantry.proto.Register;
import io.gantry.proto.Registered;
import io.gantry.proto.RestartPolicy;
import io.gantry.proto.RunRequest;
import io.gantry.proto.SchedulerMessage;
import io.gantry.proto.Service;
import io.gantry.proto.ServiceSpec;
import io.gantry.proto.UpdateNodeRequest;
import io.gantry.proto.UpdateStatus;
import io.gantry.scheduler.service.ServiceReconciler;
import io.gantry.scheduler.state.Write;
import io.gantry.proto.Workload;
import io.gantry.scheduler.placement.Ask;
import io.gantry.scheduler.placement.HostPort;
import io.gantry.scheduler.placement.NodeSnapshot;
import io.gantry.scheduler.placement.PlacementDecision;
import io.gantry.scheduler.placement.PlacementRound;
import io.gantry.scheduler.placement.Placer;
import io.gantry.scheduler.state.FencedOutException;
import io.gantry.scheduler.state.FencedStore;
import io.gantry.scheduler.state.LoadedState;
import io.gantry.scheduler.state.StoreException;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything one leadership term does. Created after the epoch bump with the loaded state; works from its
 * in-memory cache, writes through the {@link FencedStore}, and is closed (never reused) when leadership ends.
 * One monitor lock guards the cache; writes happen under it so the cache and ZooKeeper never diverge.
 */
public final class SchedulerCore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SchedulerCore.class);
    /** Events remembered for {@code events --since}; older ones are dropped. */
    private static final int EVENT_HISTORY = 2000;
    /** On every replica's spec: the name of its service. */
    public static final String SERVICE_LABEL = "gantry.service";
    /** Member changes are pushed to the network's nodes this soon (batched). */
    private static final long NETWORK_PUSH_DELAY_MS = 20;
    static final int DEFAULT_STOP_TIMEOUT_SECONDS = 10;
    static final Duration WAIT_SLACK = Duration.ofSeconds(10);
    static final Duration ATTACHED_RM_GRACE = Duration.ofSeconds(60);
    static final Duration FLUSH_EVERY = Duration.ofMillis(50);
    /**
     * Per-node reasons kept on a pending workload; the summary still counts every node. Keeps a pending
     * workload's record small on a cluster of thousands of nodes.
     */
    static final int MAX_STORED_REJECTIONS = 20;

    /** Tunables of one term. */
    public record Settings(Duration heartbeatTimeout, Duration monitorInterval, String defaultRegistry, long seed,
                           String nodeSubnetPool, String networkSubnetPool) {
        public Settings(Duration heartbeatTimeout, Duration monitorInterval, String defaultRegistry, long seed) {
            this(heartbeatTimeout, monitorInterval, defaultRegistry, seed, "10.42.0.0/16", "10.43.0.0/16");
        }

        public long heartbeatIntervalMillis() {
            return Math.max(100, heartbeatTimeout.toMillis() / 3);
        }
    }

    private final FencedStore store;
    private final Clock clock;
    private final Settings settings;
    private final Placer placer;
    private final IdGenerator ids;
    /** Told which term was fenced, so the server can tell a stale term from the current one. */
    private final Consumer<SchedulerCore> onFencedOut;
    private final long takeoverMillis;

    private final Map<String, Workload> workloads = new LinkedHashMap<>();
    /** Indexes over {@link #workloads}, kept by {@link #cache}/{@link #uncache} only. */
    private final Map<String, Set<String>> idsByNode = new HashMap<>();
    private final Map<String, String> idsByName = new HashMap<>();
    private final Map<String, Set<String>> idsByService = new HashMap<>();
    /** Workloads waiting to be placed, in the order they started waiting. */
    private final Set<String> pendingIds = new LinkedHashSet<>();
    /** What the workloads placed on each node hold of it: kept up to date, never recounted. */
    private final Map<String, Usage> usage = new HashMap<>();
    /** Services whose replicas (or spec) changed since the last evaluation: only these are reconciled. */
    private final Set<String> dirtyServices = new HashSet<>();
    private final Map<String, Node> nodes = new TreeMap<>();
    private final Map<String, Service> services = new LinkedHashMap<>();
    /**
     * Workloads whose observed state (what agents reported) changed but is not written yet. Observed state is
     * soft: agents report it again when they register with a new leader, so it is written behind in batches.
     * Desired state (placements, stop/remove, specs) is always written before the cache changes.
     */
    private final Set<String> dirty = new LinkedHashSet<>();
    /** When this term first saw each workload RUNNING (for rolling-update gates), on our clock. */
    private final Map<String, Long> runningSince = new HashMap<>();
    /** When each service's rolling update last started a batch, on our clock. */
    private final Map<String, Long> lastBatch = new HashMap<>();
    /** Written under the lock, read without it by heartbeats and reports (which must not queue on the lock). */
    private final Map<String, AgentSession> sessions = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, Long> lastSeen = new java.util.concurrent.ConcurrentHashMap<>();
    /** Agents' status reports, applied in arrival order by one thread, many per lock acquisition. */
    private final java.util.concurrent.ConcurrentLinkedQueue<Report> reports = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final AtomicBoolean reportsQueued = new AtomicBoolean();
    /** Nodes whose agent-reported record (capacity, address, labels) is not written yet. */
    private final Set<String> dirtyNodes = new LinkedHashSet<>();
    private final Object flushing = new Object();
    private final Map<String, Integer> stopTimeouts = new HashMap<>();
    /** When this term saw each workload finish, on our clock (agent timestamps may be skewed). */
    private final Map<String, Long> finishedSeen = new HashMap<>();
    private final List<Waiter> waiters = new ArrayList<>();
    private final AtomicLong logRequestIds = new AtomicLong();
    private final AtomicLong sessionIds = new AtomicLong();
    private final io.gantry.scheduler.events.EventLog events;
    private final io.gantry.telemetry.SchedulerMetrics metrics;
    private final io.gantry.scheduler.network.Networks networks;
    /** Overlay networks whose members changed: every node on them gets its assignments again (forwarding, DNS). */
    private final Set<String> dirtyNetworks = new LinkedHashSet<>();
    private final AtomicBoolean networkPushQueued = new AtomicBoolean();
    private final ScheduledExecutorService timer;
    private final ExecutorService evaluator;
    private final ExecutorService reporter;
    private final ScheduledExecutorService flusher;
    private final AtomicBoolean evaluationQueued = new AtomicBoolean();
    private volatile boolean closed;

    private static final class Waiter {
        final String id;
        final Predicate<Workload> done;
        final CompletableFuture<Workload> future = new CompletableFuture<>();
        Workload last;

        Waiter(String id, Predicate<Workload> done, Workload current) {
            this.id = id;
            this.done = done;
            this.last = current;
        }
    }

    public SchedulerCore(FencedStore store, LoadedState state, Clock clock, Settings settings, Placer placer,
                         IdGenerator ids, Consumer<SchedulerCore> onFencedOut, io.gantry.telemetry.SchedulerMetrics metrics) {
        this.metrics = metrics;
        this.store = store;
        this.clock = clock;
        this.settings = settings;
        this.placer = placer;
        this.ids = ids;
        this.onFencedOut = onFencedOut;
        this.takeoverMillis = clock.millis();
        this.events = new io.gantry.scheduler.events.EventLog(clock, EVENT_HISTORY);
        this.networks = new io.gantry.scheduler.network.Networks(settings.nodeSubnetPool(), settings.networkSubnetPool());
        state.workloads().stream().sorted(Comparator.comparingLong(Workload::getCreatedAtMs).thenComparing(Workload::getId))
                .forEach(w -> {
                    index(w);
                    account(null, w);
                });
        state.nodes().forEach(n -> nodes.put(n.getName(), n));
        // A node whose record was not written yet when the last leader went (records are written behind) still
        // has workloads: keep it as unknown, so it is marked down, and its workloads moved, unless it registers.
        workloads.values().stream().map(Workload::getNode).filter(n -> !n.isEmpty() && !nodes.containsKey(n)).distinct()
                .forEach(n -> nodes.put(n, Node.newBuilder().setName(n).setStatus(Node.Status.NODE_UNKNOWN).build()));
        state.services().stream().sorted(Comparator.comparingLong(Service::getCreatedAtMs).thenComparing(Service::getId))
                .forEach(sv -> services.put(sv.getId(), sv));
        dirtyServices.addAll(services.keySet());
        networks.restore(state.networks(), nodes.values(), workloads.values());
        this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("gantry-timer").factory());
        this.evaluator = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("gantry-eval").factory());
        this.reporter = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("gantry-reports").factory());
        this.flusher = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("gantry-flush").factory());
    }

    /** Starts the timers; a no-op once closed (the server may end the term before starting it). */
    public synchronized void start() {
        if (closed) {
            return;
        }
        long every = settings.monitorInterval().toMillis();
        timer.scheduleWithFixedDelay(this::tick, every, every, TimeUnit.MILLISECONDS);
        flusher.scheduleWithFixedDelay(this::flushObserved, FLUSH_EVERY.toMillis(), FLUSH_EVERY.toMillis(), TimeUnit.MILLISECONDS);
        requestEvaluation();
        metrics.setLeader(true);
        events.emit("scheduler", "leader_elected", "epoch-" + store.epoch(), "", "", Map.of("epoch", Long.toString(store.epoch())));
    }

    /** This term's events (the Events RPC and the status page read them). */
    public io.gantry.scheduler.events.EventLog events() {
        return events;
    }

    public long epoch() {
        return store.epoch();
    }

    // ------------------------------------------------------------------ Control

    public synchronized Workload run(RunRequest request) {
        ensureOpen();
        var spec = request.getSpec();
        SpecValidator.validate(spec);
        if (!spec.getName().isEmpty() && nameTaken(spec.getName())) {
            throw Status.ALREADY_EXISTS.withDescription("container name \"" + spec.getName() + "\" is already in use")
                    .asRuntimeException();
        }
        String id;
        do {
            id = ids.next();
        } while (workloads.containsKey(id));
        if (spec.getName().isEmpty()) {
            spec = spec.toBuilder().setName(NameGenerator.forId(id, this::nameTaken)).build();
        }
        var endpoints = networks.join(id, spec);
        var w = Workload.newBuilder().setId(id).setSpec(spec).setState(ContainerState.PENDING)
                .setDesired(DesiredState.DESIRED_RUNNING).setCreatedAtMs(clock.millis())
                .setAttached(request.getAttached()).addAllEndpoints(endpoints).build();
        // Decide first, then write once: the new workload holds nothing yet, so the snapshot is the same.
        var placed = decide(w, Ask.of(w), snapshots());
        try {
            fenced(() -> store.createWorkload(placed));
        } catch (StoreException e) {
            networks.leave(id, endpoints);
            discardUnconfirmedCreate(id);
            throw e;
        }
        cache(placed);
        if (!placed.getNode().isEmpty()) {
            pushAssignments(placed.getNode());
        }
        try (var ignored = org.slf4j.MDC.putCloseable("workload", id)) {
            log.info("run {} ({}): {}", id, spec.getName(), placed.getNode().isEmpty() ? placed.getReason() : "on " + placed.getNode());
        }
        return placed;
    }

    public synchronized List<Workload> list(boolean all, String service) {
        ensureOpen();
        String serviceId = service == null || service.isEmpty() ? null : resolveService(service).getId();
        return workloads.values().stream().filter(w -> all || !isFinished(w))
                .filter(w -> serviceId == null || w.getService().equals(serviceId)).toList();
    }

    public synchronized Workload inspect(String ref) {
        ensureOpen();
        return resolve(ref);
    }

    public synchronized List<Node> listNodes() {
        ensureOpen();
        var result = new ArrayList<Node>();
        for (var n : nodes.values()) {
            var u = usage.getOrDefault(n.getName(), Usage.NONE);
            result.add(n.toBuilder().setAllocatedCpuMillis(u.cpu).setAllocatedMemoryBytes(u.memory).setWorkloads(u.count)
                    .setLastHeartbeatMs(lastSeen.getOrDefault(n.getName(), n.getLastHeartbeatMs())).build());
        }
        return result;
    }

    public synchronized CompletableFuture<Workload> stop(String ref, int timeoutSeconds) {
        ensureOpen();
        var w = resolve(ref);
        int timeout = timeoutSeconds > 0 ? timeoutSeconds : DEFAULT_STOP_TIMEOUT_SECONDS;
        if (w.getNode().isEmpty()) {
            if (!isFinished(w)) {
                w = w.toBuilder().setDesired(DesiredState.DESIRED_STOPPED).setState(ContainerState.EXITED)
                        .setFinishedAtMs(clock.millis()).setReason("stopped before it was placed").clearRejections().build();
                put(w);
                w = autoRemoveIfDue(w);
            }
            return CompletableFuture.completedFuture(w);
        }
        if (w.getDesired() == DesiredState.DESIRED_RUNNING || w.getDesired() == DesiredState.DESIRED_PAUSED) {
            w = w.toBuilder().setDesired(DesiredState.DESIRED_STOPPED).build();
            stopTimeouts.put(w.getId(), timeout);
            put(w);
            pushAssignments(w.getNode());
        }
        if (isFinished(w) || !isNodeReady(w.getNode())) {
            return CompletableFuture.completedFuture(w); // a down node stops it when it comes back
        }
        String name = w.getSpec().getName();
        return await(w, SchedulerCore::isFinished, Duration.ofSeconds(timeout).plus(WAIT_SLACK),
                () -> Status.DEADLINE_EXCEEDED.withDescription("timed out waiting for container " + name + " to stop")
                        .asRuntimeException());
    }

    /**
     * {@code gantry kill}: a one-shot signal to the node running the container. Not a desired-state change: the
     * container exits as usual and its restart policy applies.
     */
    public synchronized Workload kill(String ref, String signal) {
        ensureOpen();
        String canonical;
        try {
            canonical = Signals.canonical(signal);
        } catch (IllegalArgumentException e) {
            throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
        }
        var w = resolve(ref);
        if (w.getState() == ContainerState.PAUSED || w.getDesired() == DesiredState.DESIRED_PAUSED) {
            throw Status.FAILED_PRECONDITION.withDescription("container " + ref + " is paused: unpause it first").asRuntimeException();
        }
        if (w.getNode().isEmpty() || w.getState() != ContainerState.RUNNING) {
            throw Status.FAILED_PRECONDITION.withDescription("container " + ref + " is not running").asRuntimeException();
        }
        var session = sessions.get(w.getNode());
        if (session == null || !isNodeReady(w.getNode())) {
            throw Status.UNAVAILABLE.withDescription("node " + w.getNode() + " of container " + ref + " is not connected")
                    .asRuntimeException();
        }
        session.send(SchedulerMessage.newBuilder().setSignal(io.gantry.proto.Signal.newBuilder().setWorkloadId(w.getId())
                .setPlacementVersion(w.getPlacementVersion()).setSignal(canonical)).build());
        log.info("kill {} ({}) with {}", w.getId(), w.getSpec().getName(), canonical);
        return w;
    }

    /**
     * {@code gantry start}: a finished (or stopped) container runs again, on its node if that node is up. A new
     * placement version makes the agent replace its old container (which goes with its log). Starting a running
     * container is a no-op, as in Docker.
     */
    public synchronized Workload startAgain(String ref) {
        ensureOpen();
        var w = resolve(ref);
        if (w.getDesired() == DesiredState.DESIRED_RUNNING && !isFinished(w)) {
            return w;
        }
        if (!w.getService().isEmpty()) { // its service decides which of its replicas run
            throw Status.FAILED_PRECONDITION.withDescription("container " + ref
                    + " is a service replica: scale or update its service instead").asRuntimeException();
        }
        return rerun(w, ref);
    }

    /** {@code gantry restart}: stop (with the timeout: the agent stops the old one gracefully) and start anew. */
    public synchronized Workload restart(String ref, int timeoutSeconds) {
        ensureOpen();
        var w = resolve(ref);
        stopTimeouts.put(w.getId(), timeoutSeconds > 0 ? timeoutSeconds : DEFAULT_STOP_TIMEOUT_SECONDS);
        return rerun(w, ref);
    }

    private Workload rerun(Workload w, String ref) {
        if (w.getDesired() == DesiredState.DESIRED_REMOVED) {
            throw Status.FAILED_PRECONDITION.withDescription("container " + ref + " is being removed").asRuntimeException();
        }
        var b = w.toBuilder().setDesired(DesiredState.DESIRED_RUNNING).setState(ContainerState.PENDING).clearExitCode()
                .clearFinishedAtMs().clearStartedAtMs().setReason("").clearRejections();
        boolean onReadyNode = !w.getNode().isEmpty() && isNodeReady(w.getNode());
        if (onReadyNode) {
            b.setPlacementVersion(w.getPlacementVersion() + 1);
        } else {
            b.setNode(""); // unplaced, or its node is down: placed anew (placing bumps the version)
        }
        var again = b.build();
        put(again);
        if (onReadyNode) {
            pushAssignments(again.getNode());
        } else if (!w.getNode().isEmpty()) {
            pushAssignments(w.getNode());
        }
        requestEvaluation();
        log.info("start {} ({}) again{}", again.getId(), again.getSpec().getName(),
                onReadyNode ? " on " + again.getNode() : ": to be placed");
        return again;
    }

    /**
     * {@code gantry pause}: desired PAUSED, which the agent reconciles with {@code runc pause}. Completes once the
     * agent reports it PAUSED (or after a bounded wait, with the state known then).
     */
    public synchronized CompletableFuture<Workload> pause(String ref) {
        ensureOpen();
        var w = resolve(ref);
        if (!w.getService().isEmpty()) {
            throw Status.FAILED_PRECONDITION.withDescription("container " + ref + " is a service replica: it cannot be paused")
                    .asRuntimeException();
        }
        if (w.getDesired() == DesiredState.DESIRED_PAUSED || w.getState() == ContainerState.PAUSED) {
            throw Status.FAILED_PRECONDITION.withDescription("container " + ref + " is already paused").asRuntimeException();
        }
        if (w.getDesired() != DesiredState.DESIRED_RUNNING || w.getState() != ContainerState.RUNNING) {
            throw Status.FAILED_PRECONDITION.withDescription("container " + ref + " is not running").asRuntimeException();
        }
        var paused = w.toBuilder().setDesired(DesiredState.DESIRED_PAUSED).build();
        put(paused);
        pushAssignments(paused.getNode());
        return await(paused, x -> x.getState() != ContainerState.RUNNING || x.getDesired() != DesiredState.DESIRED_PAUSED,
                WAIT_SLACK, () -> null);
    }

    /** {@code gantry unpause}: desired RUNNING again ({@code runc resume}). */
    public synchronized CompletableFuture<Workload> unpause(String ref) {
        ensureOpen();
        var w = resolve(ref);
        if (w.getDesired() != DesiredState.DESIRED_PAUSED) {
            throw Status.FAILED_PRECONDITION.withDescription("container " + ref + " is not paused").asRuntimeException();
        }
        var running = w.toBuilder().setDesired(DesiredState.DESIRED_RUNNING).build();
        put(running);
        pushAssignments(running.getNode());
        return await(running, x -> x.getState() != ContainerState.PAUSED || x.getDesired() != DesiredState.DESIRED_RUNNING,
                WAIT_SLACK, () -> null);
    }

    /** {@code gantry rename}: a new name for a plain container (a replica's name is its service's). */
    public synchronized Workload rename(String ref, String newName) {
        ensureOpen();
        if (newName == null || newName.isBlank()) {
            throw Status.INVALID_ARGUMENT.withDescription("a new container name is required").asRuntimeException();
        }
        if (!SpecValidator.NAME.matcher(newName).matches()) {
            throw Status.INVALID_ARGUMENT.withDescription("invalid container name \"" + newName
                    + "\": only [a-zA-Z0-9][a-zA-Z0-9_.-]* are allowed").asRuntimeException();
        }
        var w = resolve(ref);
        if (!w.getService().isEmpty()) {
            throw Status.FAILED_PRECONDITION.withDescription("container " + ref + " is a service replica: it cannot be renamed")
                    .asRuntimeException();
        }
        if (w.getSpec().getName().equals(newName)) {
            return w;
        }
        if (nameTaken(newName)) {
            throw Status.ALREADY_EXISTS.withDescription("container name \"" + newName + "\" is already in use")
                    .asRuntimeException();
        }
        var renamed = w.toBuilder().setSpec(w.getSpec().toBuilder().setName(newName)).build();
        put(renamed); // cache() moves the name index
        log.info("rename {} from {} to {}", w.getId(), w.getSpec().getName(), newName);
        return renamed;
    }

    /**
     * Completes with the workload's last known state once it is gone. The future is the waiter's own (not a
     * derived one), so cancelling it forgets the waiter at once.
     */
    public synchronized CompletableFuture<Workload> remove(String ref, boolean force) {
        ensureOpen();
        var w = resolve(ref);
        if (isRunning(w) && !force) {
            throw Status.FAILED_PRECONDITION.withDescription("container " + ref + " is running: stop it first or use rm -f")
                    .asRuntimeException();
        }
        String id = w.getId();
        if (w.getNode().isEmpty() || !isNodeReady(w.getNode()) || w.getState() == ContainerState.REMOVED) {
            delete(w);
            return CompletableFuture.completedFuture(w);
        }
        if (w.getDesired() != DesiredState.DESIRED_REMOVED) {
            w = w.toBuilder().setDesired(DesiredState.DESIRED_REMOVED).build();
            put(w);
            pushAssignments(w.getNode());
        }
        int timeout = stopTimeouts.getOrDefault(id, DEFAULT_STOP_TIMEOUT_SECONDS);
        // Completes when the agent's REMOVED report deletes it; on timeout delete anyway: the agent drops
        // whatever is missing from its Assignments once it talks to us again.
        return await(w, x -> false, Duration.ofSeconds(timeout).plus(WAIT_SLACK), () -> {
            synchronized (this) {
                var current = workloads.get(id);
                if (current != null && !closed) {
                    log.warn("agent did not confirm removal of {} in time; deleting it anyway", id);
                    delete(current);
                }
            }
            return null;
        });
    }

    public synchronized CompletableFuture<Workload> waitFor(String ref) {
        ensureOpen();
        var w = resolve(ref);
        if (isFinished(w)) {
            return CompletableFuture.completedFuture(w);
        }
        return await(w, SchedulerCore::isFinished, null, null);
    }

    /** Starts relaying the workload's logs to {@code caller}; the agent streams them as LogChunks. */
    public void openLogs(io.gantry.proto.LogsRequest request, ServerCallStreamObserver<LogEntry> caller) {
        String ref = request.getRef();
        AgentSession session;
        Workload w;
        synchronized (this) {
            ensureOpen();
            w = resolve(ref);
            if (w.getNode().isEmpty()) {
                throw Status.FAILED_PRECONDITION.withDescription("container " + ref + " has not been placed on a node: "
                        + w.getReason()).asRuntimeException();
            }
            session = sessions.get(w.getNode());
            if (session == null) {
                throw Status.UNAVAILABLE.withDescription("node " + w.getNode() + " is not connected").asRuntimeException();
            }
        }
        long requestId = logRequestIds.incrementAndGet();
        caller.setOnCancelHandler(() -> session.cancelLog(requestId));
        if (!session.openLog(requestId, new LogRelay(caller))) {
            return; // the agent disconnected meanwhile; the caller got UNAVAILABLE
        }
        session.send(SchedulerMessage.newBuilder().setLogRequest(LogRequest.newBuilder().setRequestId(requestId)
                .setWorkloadId(w.getId()).setFollow(request.getFollow()).setTail(request.getTail())
                .setSinceNanos(request.getSinceNanos()).setUntilNanos(request.getUntilNanos())).build());
    }

    /**
     * Opens a node session (exec, cp, top, stats, image and volume operations) on the node of the container it
     * names, or on the node it names, and relays the agent's frames to {@code caller}. Returns the handle that
     * forwards the caller's later frames, or null when the node disconnected meanwhile (the caller was failed).
     */
    public SessionHandle openSession(io.gantry.proto.SessionOpen open, io.grpc.stub.StreamObserver<io.gantry.proto.SessionFrame> caller) {
        if (open.getOpCase() == io.gantry.proto.SessionOpen.OpCase.OP_NOT_SET) {
            throw Status.INVALID_ARGUMENT.withDescription("a session must name an operation").asRuntimeException();
        }
        AgentSession session;
        var resolved = open.toBuilder();
        synchronized (this) {
            ensureOpen();
            String node;
            if (!open.getContainer().isEmpty()) {
                var w = resolve(open.getContainer());
                if (w.getNode().isEmpty()) {
                    throw Status.FAILED_PRECONDITION.withDescription("container " + open.getContainer()
                            + " is not on a node: " + w.getReason()).asRuntimeException();
                }
                node = w.getNode();
                resolved.setWorkloadId(w.getId()).setPlacementVersion(w.getPlacementVersion());
            } else if (!open.getNode().isEmpty()) {
                node = open.getNode();
                if (!nodes.containsKey(node)) {
                    throw Status.NOT_FOUND.withDescription("no such node: " + node).asRuntimeException();
                }
            } else {
                throw Status.INVALID_ARGUMENT.withDescription("a session must name a container or a node").asRuntimeException();
            }
            session = sessions.get(node);
            if (session == null) {
                throw Status.UNAVAILABLE.withDescription("node " + node + " is not connected").asRuntimeException();
            }
        }
        long id = sessionIds.incrementAndGet();
        if (!session.openSession(id, new SessionRelay(caller))) {
            return null;
        }
        session.forward(id, io.gantry.proto.SessionFrame.newBuilder().setOpen(resolved).build());
        return new SessionHandle(session, id);
    }

    /** The caller's side of an open node session. */
    public record SessionHandle(AgentSession session, long id) {
        public void forward(io.gantry.proto.SessionFrame frame) {
            session.forward(id, frame);
        }

        public void cancel() {
            session.cancelSession(id);
        }
    }

    public void sessionFrame(AgentSession session, io.gantry.proto.SessionFrame frame) {
        session.relay(frame);
    }

    // ------------------------------------------------------------------ network API

    public synchronized io.gantry.proto.Network createNetwork(io.gantry.proto.CreateNetworkRequest request) {
        ensureOpen();
        String id;
        do {
            id = ids.next();
        } while (networks.get(id).isPresent() || workloads.containsKey(id) || services.containsKey(id));
        var n = networks.create(request, id, clock.millis());
        try {
            fenced(() -> store.commit(List.of(new Write.PutNetwork(n, false))));
        } catch (RuntimeException e) {
            networks.abandoned(id);
            throw e;
        }
        networks.added(n);
        events.emit("network", "created", n.getId(), n.getName(), "", Map.of("subnet", n.getSubnet()));
        log.info("network {} ({}) created: {} vni {}{}", n.getName(), n.getId(), n.getSubnet(), n.getVni(),
                n.getInternal() ? ", internal" : "");
        return n;
    }

    public synchronized List<io.gantry.proto.Network> listNetworks() {
        ensureOpen();
        var out = new ArrayList<io.gantry.proto.Network>();
        for (String builtin : List.of("bridge", "host", "none")) {
            out.add(io.gantry.proto.Network.newBuilder().setId(builtin).setName(builtin).setDriver(builtin)
                    .setBuiltin(true).build());
        }
        networks.all().stream().map(this::withMembers).forEach(out::add);
        return out;
    }

    public synchronized io.gantry.proto.Network inspectNetwork(String ref) {
        ensureOpen();
        return withMembers(networks.resolve(ref));
    }

    private io.gantry.proto.Network withMembers(io.gantry.proto.Network n) {
        var b = n.toBuilder().clearContainers();
        for (var w : workloads.values()) {
            if (w.getEndpointsList().stream().anyMatch(e -> e.getNetworkId().equals(n.getId()))) {
                b.addContainers(w.getSpec().getName());
            }
        }
        return b.build();
    }

    public synchronized String removeNetwork(String ref) {
        ensureOpen();
        var n = networks.resolve(ref);
        var members = withMembers(n).getContainersList();
        if (!members.isEmpty()) {
            throw Status.FAILED_PRECONDITION.withDescription("network " + n.getName() + " is in use by "
                    + String.join(", ", members.subList(0, Math.min(5, members.size())))
                    + (members.size() > 5 ? " and " + (members.size() - 5) + " more" : "")).asRuntimeException();
        }
        if (services.values().stream().anyMatch(sv -> usesNetwork(sv.getSpec().getTemplate(), n))) {
            throw Status.FAILED_PRECONDITION.withDescription("network " + n.getName() + " is in use by a service")
                    .asRuntimeException();
        }
        fenced(() -> store.commit(List.of(new Write.DeleteNetwork(n.getId()))));
        networks.removed(n.getId());
        events.emit("network", "removed", n.getId(), n.getName(), "", Map.of());
        log.info("network {} ({}) removed", n.getName(), n.getId());
        return n.getId();
    }

    private static boolean usesNetwork(io.gantry.proto.WorkloadSpec spec, io.gantry.proto.Network n) {
        return spec.getNetworksList().stream().anyMatch(a -> a.getNetwork().equals(n.getName()) || a.getNetwork().equals(n.getId()));
    }

    public synchronized List<String> pruneNetworks() {
        ensureOpen();
        var pruned = new ArrayList<String>();
        for (var n : List.copyOf(networks.all())) {
            if (withMembers(n).getContainersCount() == 0
                    && services.values().stream().noneMatch(sv -> usesNetwork(sv.getSpec().getTemplate(), n))) {
                removeNetwork(n.getId());
                pruned.add(n.getName());
            }
        }
        return pruned;
    }

    /** {@code network connect}: a new address on the network; the agent adds the interface to the running container. */
    public synchronized Workload connectNetwork(io.gantry.proto.ConnectNetworkRequest r) {
        ensureOpen();
        var n = networks.resolve(r.getNetwork());
        var w = resolve(r.getContainer());
        if (w.getEndpointsList().stream().anyMatch(e -> e.getNetworkId().equals(n.getId()))) {
            throw Status.ALREADY_EXISTS.withDescription("container " + w.getSpec().getName()
                    + " is already connected to network " + n.getName()).asRuntimeException();
        }
        String mode = w.getSpec().getNetworkMode();
        if (mode.equals("host") || mode.equals("none")) {
            throw Status.FAILED_PRECONDITION.withDescription("container " + w.getSpec().getName() + " uses --network "
                    + mode + " and cannot be connected to other networks").asRuntimeException();
        }
        var endpoint = networks.join(w.getId(), n, r.getAliasesList());
        var updated = w.toBuilder().addEndpoints(endpoint).build();
        try {
            put(updated);
        } catch (RuntimeException e) {
            networks.leave(w.getId(), List.of(endpoint));
            throw e;
        }
        if (!updated.getNode().isEmpty()) {
            pushAssignments(updated.getNode());
        }
        events.emit("network", "connect", n.getId(), n.getName(), updated.getNode(), Map.of("container", w.getSpec().getName()));
        return updated;
    }

    public synchronized Workload disconnectNetwork(io.gantry.proto.DisconnectNetworkRequest r) {
        ensureOpen();
        var n = networks.resolve(r.getNetwork());
        var w = resolve(r.getContainer());
        var endpoint = w.getEndpointsList().stream().filter(e -> e.getNetworkId().equals(n.getId())).findFirst()
                .orElseThrow(() -> Status.NOT_FOUND.withDescription("container " + w.getSpec().getName()
                        + " is not connected to network " + n.getName()).asRuntimeException());
        var rest = new ArrayList<>(w.getEndpointsList());
        rest.remove(endpoint);
        var updated = w.toBuilder().clearEndpoints().addAllEndpoints(rest).build();
        put(updated);
        networks.leave(w.getId(), List.of(endpoint));
        if (!updated.getNode().isEmpty()) {
            pushAssignments(updated.getNode());
        }
        events.emit("network", "disconnect", n.getId(), n.getName(), updated.getNode(), Map.of("container", w.getSpec().getName()));
        return updated;
    }

    /** {@code node update}, {@code node drain}, {@code node activate}. */
    public synchronized Node updateNode(UpdateNodeRequest request) {
        ensureOpen();
        var n = nodes.get(request.getName());
        if (n == null) {
            throw Status.NOT_FOUND.withDescription("no such node: " + request.getName()).asRuntimeException();
        }
        var operator = new TreeMap<>(n.getOperatorLabelsMap());
        for (var e : request.getLabelAddMap().entrySet()) {
            if (!LABEL_KEY.matcher(e.getKey()).matches()) {
                throw Status.INVALID_ARGUMENT.withDescription("invalid label key \"" + e.getKey()
                        + "\": use letters, digits, '.', '-', '_' and '/'").asRuntimeException();
            }
            operator.put(e.getKey(), e.getValue());
        }
        for (String key : request.getLabelRmList()) {
            if (!operator.containsKey(key)) {
                throw Status.NOT_FOUND.withDescription("node " + n.getName() + " has no label \"" + key
                        + "\" set by node update").asRuntimeException();
            }
            operator.remove(key);
        }
        var b = n.toBuilder().clearOperatorLabels().putAllOperatorLabels(operator).clearLabels()
                .putAllLabels(effectiveLabels(n.getAgentLabelsMap(), operator));
        if (request.getSetAvailability()) {
            b.setAvailability(request.getAvailability());
        }
        var updated = b.build();
        fenced(() -> store.putNode(updated, true));
        nodes.put(updated.getName(), updated);
        events.emit("node", updated.getAvailability() != n.getAvailability()
                        ? (updated.getAvailability() == Node.Availability.DRAIN ? "drained" : "activated") : "updated",
                n.getName(), n.getName(), n.getName(), Map.of());
        if (updated.getAvailability() == Node.Availability.DRAIN && n.getAvailability() != Node.Availability.DRAIN) {
            log.info("node {} is draining", n.getName());
            moveAway(n.getName(), "node " + n.getName() + " is draining");
        }
        requestEvaluation(); // new labels or availability may make pending workloads placeable
        return updated;
    }

    static final java.util.regex.Pattern LABEL_KEY = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]*");

    private static Map<String, String> effectiveLabels(Map<String, String> agent, Map<String, String> operator) {
        var labels = new TreeMap<>(agent);
        labels.putAll(operator);
        return labels;
    }

    // ------------------------------------------------------------------ services

    public synchronized Service createService(ServiceSpec spec) {
        ensureOpen();
        validateService(spec);
        if (services.values().stream().anyMatch(sv -> sv.getSpec().getName().equals(spec.getName()))) {
            throw Status.ALREADY_EXISTS.withDescription("service name \"" + spec.getName() + "\" is already in use")
                    .asRuntimeException();
        }
        String id;
        do {
            id = ids.next();
        } while (services.containsKey(id) || workloads.containsKey(id));
        long now = clock.millis();
        var sv = Service.newBuilder().setId(id).setSpec(spec).setVersion(1).setCreatedAtMs(now).setUpdatedAtMs(now).build();
        fenced(() -> store.commit(List.of(new Write.PutService(sv, false))));
        services.put(id, sv);
        dirtyServices.add(id);
        log.info("service {} ({}) created with {} replicas", spec.getName(), id, spec.getReplicas());
        events.emit("service", "created", id, spec.getName(), "", Map.of("replicas", Integer.toString(spec.getReplicas())));
        requestEvaluation();
        return withCounts(sv);
    }

    public synchronized List<Service> listServices() {
        ensureOpen();
        var counts = new HashMap<String, int[]>(); // one pass: {running, placed} per service
        for (var w : workloads.values()) {
            if (!w.getService().isEmpty() && w.getDesired() == DesiredState.DESIRED_RUNNING) {
                count(counts.computeIfAbsent(w.getService(), k -> new int[2]), w);
            }
        }
        return services.values().stream().map(sv -> withCounts(sv, counts.getOrDefault(sv.getId(), new int[2]))).toList();
    }

    private static void count(int[] c, Workload w) {
        if (w.getState() == ContainerState.RUNNING) {
            c[0]++;
        }
        if (!w.getNode().isEmpty()) {
            c[1]++;
        }
    }

    private static Service withCounts(Service sv, int[] c) {
        return sv.toBuilder().setRunning(c[0]).setPlaced(c[1]).setDesired(sv.getSpec().getReplicas()).build();
    }

    public synchronized Service inspectService(String ref) {
        ensureOpen();
        return withCounts(resolveService(ref));
    }

    /** A changed template starts a rolling update; replicas and update settings apply at once. */
    public synchronized Service updateService(String ref, ServiceSpec spec, boolean rollback) {
        ensureOpen();
        var sv = resolveService(ref);
        long now = clock.millis();
        Service next;
        if (rollback) {
            if (!sv.hasPreviousSpec()) {
                throw Status.FAILED_PRECONDITION.withDescription("service " + sv.getSpec().getName()
                        + " has no previous spec to roll back to").asRuntimeException();
            }
            next = ServiceReconciler.rollback(sv, now, "manual rollback");
        } else {
            if (!spec.getTemplate().hasRegistryAuth() && sv.getSpec().getTemplate().hasRegistryAuth()) {
                // The CLI edits the spec it was shown, which never carries credentials: keep the stored ones.
                spec = spec.toBuilder().setTemplate(spec.getTemplate().toBuilder()
                        .setRegistryAuth(sv.getSpec().getTemplate().getRegistryAuth())).build();
            }
            validateService(spec);
            if (!spec.getName().equals(sv.getSpec().getName())) {
                throw Status.INVALID_ARGUMENT.withDescription("a service cannot be renamed (from \""
                        + sv.getSpec().getName() + "\" to \"" + spec.getName() + "\")").asRuntimeException();
            }
            var b = sv.toBuilder().setSpec(spec).setUpdatedAtMs(now);
            if (!spec.getTemplate().equals(sv.getSpec().getTemplate())) {
                b.setPreviousSpec(sv.getSpec()).setPreviousVersion(sv.getVersion())
                        .setVersion(Math.max(sv.getVersion(), sv.getPreviousVersion()) + 1)
                        .setUpdateStatus(UpdateStatus.newBuilder().setState(UpdateStatus.State.UPDATING)
                                .setMessage("update in progress").setStartedAtMs(now));
            }
            next = b.build();
        }
        var written = next;
        fenced(() -> store.commit(List.of(new Write.PutService(written, true))));
        services.put(written.getId(), written);
        dirtyServices.add(written.getId());
        lastBatch.remove(written.getId());
        log.info("service {} updated (version {}, {})", written.getSpec().getName(), written.getVersion(),
                written.getUpdateStatus().getState());
        events.emit("service", rollback ? "rollback" : "updated", written.getId(), written.getSpec().getName(), "",
                Map.of("version", Long.toString(written.getVersion())));
        requestEvaluation();
        return withCounts(written);
    }

    public synchronized Service scaleService(String ref, int replicas) {
        ensureOpen();
        if (replicas < 0) {
            throw Status.INVALID_ARGUMENT.withDescription("invalid replicas value " + replicas + ": must be 0 or more")
                    .asRuntimeException();
        }
        var sv = resolveService(ref);
        var scaled = sv.toBuilder().setSpec(sv.getSpec().toBuilder().setReplicas(replicas)).setUpdatedAtMs(clock.millis()).build();
        fenced(() -> store.commit(List.of(new Write.PutService(scaled, true))));
        services.put(scaled.getId(), scaled);
        dirtyServices.add(scaled.getId());
        log.info("service {} scaled to {}", scaled.getSpec().getName(), replicas);
        events.emit("service", "scaled", scaled.getId(), scaled.getSpec().getName(), "", Map.of("replicas", Integer.toString(replicas)));
        requestEvaluation();
        return withCounts(scaled);
    }

    /** Deletes the service and asks for all its replicas to be removed (one batch). */
    public synchronized String removeService(String ref) {
        ensureOpen();
        var sv = resolveService(ref);
        var writes = new ArrayList<Write>();
        writes.add(new Write.DeleteService(sv.getId()));
        var removing = new ArrayList<Workload>();
        var deleting = new ArrayList<Workload>();
        for (var w : workloads.values()) {
            if (!w.getService().equals(sv.getId()) || w.getDesired() == DesiredState.DESIRED_REMOVED) {
                continue;
            }
            if (w.getNode().isEmpty() || !isNodeReady(w.getNode()) || w.getState() == ContainerState.REMOVED) {
                deleting.add(w);
                writes.add(new Write.DeleteWorkload(w.getId()));
            } else {
                var r = w.toBuilder().setDesired(DesiredState.DESIRED_REMOVED).build();
                removing.add(r);
                writes.add(new Write.PutWorkload(r, true));
            }
        }
        fenced(() -> store.commit(writes));
        services.remove(sv.getId());
        dirtyServices.remove(sv.getId());
        lastBatch.remove(sv.getId());
        var touched = new HashSet<String>();
        deleting.forEach(this::uncache);
        for (var r : removing) {
            cache(r);
            touched.add(r.getNode());
        }
        touched.forEach(this::pushAssignments);
        log.info("service {} removed ({} replicas stopping)", sv.getSpec().getName(), removing.size());
        events.emit("service", "removed", sv.getId(), sv.getSpec().getName(), "", Map.of());
        requestEvaluation();
        return sv.getId();
    }

    private void validateService(ServiceSpec spec) {
        if (spec.getName().isEmpty()) {
            throw Status.INVALID_ARGUMENT.withDescription("a service name is required").asRuntimeException();
        }
        if (!SpecValidator.NAME.matcher(spec.getName()).matches() || spec.getName().contains(".")) {
            throw Status.INVALID_ARGUMENT.withDescription("invalid service name \"" + spec.getName()
                    + "\": only [a-zA-Z0-9][a-zA-Z0-9_-]* are allowed").asRuntimeException();
        }
        if (spec.getReplicas() < 0) {
            throw Status.INVALID_ARGUMENT.withDescription("invalid replicas value " + spec.getReplicas()
                    + ": must be 0 or more").asRuntimeException();
        }
        var u = spec.getUpdate();
        if (u.getParallelism() < 0 || u.getDelayMs() < 0 || u.getMonitorMs() < 0) {
            throw Status.INVALID_ARGUMENT.withDescription("update parallelism, delay and monitor must be 0 or more")
                    .asRuntimeException();
        }
        SpecValidator.validate(spec.getTemplate().toBuilder().clearName().build());
    }

    private Service resolveService(String ref) {
        if (ref == null || ref.isBlank()) {
            throw Status.INVALID_ARGUMENT.withDescription("a service name or id is required").asRuntimeException();
        }
        for (var sv : services.values()) {
            if (sv.getSpec().getName().equals(ref) || sv.getId().equals(ref)) {
                return sv;
            }
        }
        var matches = services.values().stream().filter(sv -> sv.getId().startsWith(ref)).toList();
        if (matches.size() == 1) {
            return matches.getFirst();
        }
        if (matches.size() > 1) {
            throw Status.INVALID_ARGUMENT.withDescription("ambiguous service reference \"" + ref + "\"").asRuntimeException();
        }
        throw Status.NOT_FOUND.withDescription("no such service: " + ref).asRuntimeException();
    }

    private Service withCounts(Service sv) {
        var c = new int[2];
        for (String id : idsByService.getOrDefault(sv.getId(), Set.of())) {
            var w = workloads.get(id);
            if (w.getDesired() == DesiredState.DESIRED_RUNNING) {
                count(c, w);
            }
        }
        return withCounts(sv, c);
    }

    // ------------------------------------------------------------------ AgentLink

    public synchronized AgentSession register(Register r, io.grpc.stub.StreamObserver<SchedulerMessage> out) {
        ensureOpen();
        if (r.getNodeName().isBlank()) {
            throw Status.INVALID_ARGUMENT.withDescription("register: node_name is required").asRuntimeException();
        }
        String name = r.getNodeName();
        var previous = sessions.remove(name);
        if (previous != null) {
            previous.close(Status.ABORTED.withDescription("replaced by a newer connection from node " + name));
        }
        long now = clock.millis();
        var before = nodes.get(name);
        var node = Node.newBuilder().setName(name).setAddress(r.getAddress()).setCpuMillis(r.getCpuMillis())
                .setMemoryBytes(r.getMemoryBytes()).putAllAgentLabels(r.getLabelsMap()).setStatus(Node.Status.READY)
                .setLastHeartbeatMs(now).setAgentVersion(r.getAgentVersion()).setMetricsAddress(r.getMetricsAddress());
        if (before != null) { // what operators set outlives agent restarts
            node.putAllOperatorLabels(before.getOperatorLabelsMap()).setAvailability(before.getAvailability());
        }
        node.putAllLabels(effectiveLabels(node.getAgentLabelsMap(), node.getOperatorLabelsMap()));
        String subnet = networks.nodeSubnet(before != null ? before : node.build());
        node.setSubnet(subnet);
        var registered = node.build();
        if (before == null || !subnet.equals(before.getSubnet())) {
            fenced(() -> store.putNode(registered, before != null)); // a new subnet lease must be durable first
        } else {
            dirtyNodes.add(name); // what the agent says of itself is written behind, like its containers' state
        }
        nodes.put(name, registered);
        var session = new AgentSession(name, out);
        sessions.put(name, session);
        lastSeen.put(name, now);
        session.send(SchedulerMessage.newBuilder().setRegistered(Registered.newBuilder()
                .setHeartbeatIntervalMs(settings.heartbeatIntervalMillis()).setDefaultRegistry(settings.defaultRegistry())
                .setNodeSubnet(subnet))
                .build());
        readopt(name, r.getContainersList());
        for (var status : r.getContainersList()) {
            applyStatus(name, status);
        }
        pushAssignments(name);
        events.emit("node", "up", name, name, name, Map.of("address", r.getAddress()));
        log.info("node {} registered ({} cores, {} memory, {} containers reported)", name, r.getCpuMillis() / 1000.0,
                io.gantry.scheduler.placement.HumanUnits.bytes(r.getMemoryBytes()), r.getContainersCount());
        requestEvaluation();
        return session;
    }

    /**
     * A node that was marked down comes back still running workloads that wait to be placed again (nothing
     * else took them yet): they go back to it as they are, instead of being stopped there and started anew.
     */
    private void readopt(String nodeName, List<ContainerStatus> reported) {
        var writes = new ArrayList<Write>();
        var back = new ArrayList<Workload>();
        for (var s : reported) {
            var w = workloads.get(s.getWorkloadId());
            if (w != null && awaitsPlacement(w) && s.getPlacementVersion() == w.getPlacementVersion()
                    && !isFinishedState(s.getState()) && s.getState() != ContainerState.STATE_UNKNOWN) {
                var readopted = w.toBuilder().setNode(nodeName).setReason("").clearRejections().build();
                writes.add(new Write.PutWorkload(readopted, true));
                back.add(readopted);
            }
        }
        if (!writes.isEmpty()) {
            fenced(() -> store.commit(writes));
            back.forEach(this::cache);
            log.info("node {} is back with {} workloads that were not placed elsewhere yet: kept there", nodeName, back.size());
        }
    }

    /** Lock-free: thousands of agents heartbeat, and none of them should wait for a placement pass. */
    public void heartbeat(AgentSession session) {
        if (sessions.get(session.nodeName()) == session) {
            lastSeen.put(session.nodeName(), clock.millis());
        }
    }

    private record Report(AgentSession session, ContainerStatus status) {
    }

    /** Queued and applied by one thread in batches, so agents' streams never queue on the lock. */
    public void status(AgentSession session, ContainerStatus status) {
        ensureOpen();
        if (sessions.get(session.nodeName()) != session) {
            return; // a replaced stream
        }
        lastSeen.put(session.nodeName(), clock.millis());
        reports.add(new Report(session, status));
        if (reportsQueued.compareAndSet(false, true)) {
            try {
                reporter.execute(this::applyReports);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                reportsQueued.set(false); // closed meanwhile
            }
        }
    }

    private void applyReports() {
        reportsQueued.set(false);
        try {
            synchronized (this) {
                Report r;
                while (!closed && (r = reports.poll()) != null) {
                    if (sessions.get(r.session().nodeName()) == r.session()) {
                        applyStatus(r.session().nodeName(), r.status());
                    }
                }
            }
        } catch (FencedOutException e) {
            log.warn("{}", e.getMessage());
        } catch (RuntimeException e) {
            log.warn("applying status reports failed: {}", e.toString());
        }
    }

    public void logChunk(AgentSession session, LogChunk chunk) {
        session.relay(chunk);
    }

    /**
     * The agent's stream ended (or failed). The node is not marked down yet: an agent restart (its containers
     * keep running) must not move workloads, so only the heartbeat timeout marks it down.
     */
    public synchronized void disconnected(AgentSession session) {
        session.ended();
        if (closed || sessions.get(session.nodeName()) != session) {
            return;
        }
        sessions.remove(session.nodeName());
        log.info("node {} disconnected; down unless it registers again within {} ms", session.nodeName(),
                settings.heartbeatTimeout().toMillis());
    }

    // ------------------------------------------------------------------ internals

    private void tick() {
        try {
            synchronized (this) {
                if (closed) {
                    return;
                }
                long now = clock.millis();
                updateGauges();
                for (var n : List.copyOf(nodes.values())) {
                    if (n.getStatus() == Node.Status.DOWN) {
                        continue;
                    }
                    long last = lastSeen.getOrDefault(n.getName(), takeoverMillis);
                    if (now - last > settings.heartbeatTimeout().toMillis()) {
                        var session = sessions.remove(n.getName());
                        if (session != null) {
                            session.close(Status.UNAVAILABLE.withDescription("no heartbeat for "
                                    + (now - last) + " ms; register again"));
                        }
                        markDown(n.getName(), "no heartbeat for " + (now - last) + " ms");
                    }
                }
                if (services.values().stream().anyMatch(sv -> sv.getUpdateStatus().getState() == UpdateStatus.State.UPDATING
                        || sv.getUpdateStatus().getState() == UpdateStatus.State.ROLLING_BACK)) {
                    requestEvaluation(); // monitor periods and delays elapse with time, not with reports
                }
                for (var w : List.copyOf(workloads.values())) {
                    if (w.getSpec().getAutoRemove() && w.getAttached() && isFinished(w)
                            && w.getDesired() != DesiredState.DESIRED_REMOVED) {
                        long since = finishedSeen.computeIfAbsent(w.getId(), k -> takeoverMillis);
                        if (now - since > ATTACHED_RM_GRACE.toMillis()) {
                            log.info("removing {}: --rm, finished {} s ago and no client removed it", w.getId(),
                                    (now - since) / 1000);
                            beginRemoval(w);
                        }
                    }
                }
            }
        } catch (FencedOutException e) {
            log.warn("{}", e.getMessage());
        } catch (RuntimeException e) {
            log.warn("scheduler tick failed: {}", e.toString());
        }
    }

    private void markDown(String nodeName, String why) {
        var n = nodes.get(nodeName);
        if (n == null || n.getStatus() == Node.Status.DOWN) {
            return;
        }
        var down = n.toBuilder().setStatus(Node.Status.DOWN)
                .setLastHeartbeatMs(lastSeen.getOrDefault(nodeName, n.getLastHeartbeatMs())).build();
        fenced(() -> store.putNode(down, true));
        nodes.put(nodeName, down);
        log.info("node {} is down: {}", nodeName, why);
        events.emit("node", "down", nodeName, nodeName, nodeName, Map.of("reason", why));
        moveAway(nodeName, "node " + nodeName + " is down");
    }

    /**
     * Unplaces every workload on {@code nodeName} that should be running, so the next evaluation places it
     * elsewhere (a new placement version: if the node comes back, its copy is no longer assigned and is stopped).
     * Finished ones stay where they are, with their logs. Removals there are completed, since nobody will confirm.
     */
    private void moveAway(String nodeName, String why) {
        var writes = new ArrayList<Write>();
        var moved = new ArrayList<Workload>();
        var deleted = new ArrayList<Workload>();
        for (String id : List.copyOf(idsByNode.getOrDefault(nodeName, Set.of()))) {
            var w = workloads.get(id);
            if (w.getDesired() == DesiredState.DESIRED_REMOVED) {
                writes.add(new Write.DeleteWorkload(id));
                deleted.add(w);
            } else if ((w.getDesired() == DesiredState.DESIRED_RUNNING || w.getDesired() == DesiredState.DESIRED_PAUSED)
                    && holdsResources(w)) {
                var m = w.toBuilder().setDesired(DesiredState.DESIRED_RUNNING).setNode("").setState(ContainerState.PENDING).setReason(why + "; to be placed again")
                        .clearRejections().clearExitCode().clearStartedAtMs().clearFinishedAtMs().build();
                writes.add(new Write.PutWorkload(m, true));
                moved.add(m);
            }
        }
        if (writes.isEmpty()) {
            return;
        }
        fenced(() -> store.commit(writes));
        deleted.forEach(this::uncache);
        moved.forEach(this::cache);
        log.info("{}: {} workloads to be placed again, {} removals completed", why, moved.size(), deleted.size());
        pushAssignments(nodeName);
        requestEvaluation();
    }

    private void applyStatus(String nodeName, ContainerStatus s) {
        var w = workloads.get(s.getWorkloadId());
        if (w == null || !w.getNode().equals(nodeName) || s.getPlacementVersion() < w.getPlacementVersion()) {
            return; // unknown (the agent will drop it), placed elsewhere, or about an older placement
        }
        var b = w.toBuilder().setState(s.getState()).setExitCode(s.getExitCode()).setReason(
                        s.getReason().isEmpty() && s.getOomKilled() ? "OOMKilled" : s.getReason())
                .setRestartCount(s.getRestartCount());
        if (s.getStartedAtMs() > 0) {
            b.setStartedAtMs(s.getStartedAtMs());
        }
        if (s.getFinishedAtMs() > 0) {
            b.setFinishedAtMs(s.getFinishedAtMs());
        } else if (isFinishedState(s.getState()) && w.getFinishedAtMs() == 0) {
            b.setFinishedAtMs(clock.millis());
        }
        if (!s.getImageDigest().isEmpty()) {
            b.setImageDigest(s.getImageDigest());
        }
        b.setHealth(s.getHealth()).setHealthFailingStreak(s.getHealthFailingStreak()).setHealthOutput(s.getHealthOutput());
        if (s.getPublishedPortsCount() > 0 || !s.getBridgeIp().isEmpty()) {
            b.clearPublishedPorts().addAllPublishedPorts(s.getPublishedPortsList()).setBridgeIp(s.getBridgeIp());
        }
        var updated = b.build();
        if (s.getState() == ContainerState.REMOVED && w.getDesired() == DesiredState.DESIRED_REMOVED) {
            delete(updated);
            return;
        }
        boolean freed = holdsResources(w) && !holdsResources(updated);
        if (!updated.equals(w)) {
            observe(updated);
        }
        if (updated.getDesired() == DesiredState.DESIRED_PAUSED && s.getState() == ContainerState.RUNNING
                && w.getState() != ContainerState.RUNNING) {
            pushAssignments(nodeName); // (re)started while it should be paused: the agent pauses it on this push
        }
        autoRemoveIfDue(updated);
        if (freed || (w.getState() != updated.getState() && inRollingUpdate(updated))) {
            requestEvaluation();
        }
    }

    private boolean inRollingUpdate(Workload w) {
        var sv = w.getService().isEmpty() ? null : services.get(w.getService());
        return sv != null && inRollingUpdate(sv);
    }

    private static boolean inRollingUpdate(Service sv) {
        var state = sv.getUpdateStatus().getState();
        return state == UpdateStatus.State.UPDATING || state == UpdateStatus.State.ROLLING_BACK;
    }

    /** --rm: a detached workload is removed as soon as it finishes. */
    private Workload autoRemoveIfDue(Workload w) {
        if (w.getSpec().getAutoRemove() && !w.getAttached() && isFinished(w) && w.getDesired() != DesiredState.DESIRED_REMOVED) {
            return beginRemoval(w);
        }
        return w;
    }

    private Workload beginRemoval(Workload w) {
        if (w.getNode().isEmpty() || !isNodeReady(w.getNode())) {
            delete(w);
            return w;
        }
        var removing = w.toBuilder().setDesired(DesiredState.DESIRED_REMOVED).build();
        put(removing);
        pushAssignments(w.getNode());
        return removing;
    }

    private Workload decide(Workload w, Ask ask, PlacementRound round) {
        long t0 = System.nanoTime();
        var decision = round.place(ask, seedFor(w.getId()));
        metrics.placement(decision instanceof PlacementDecision.Placed ? io.gantry.telemetry.Labels.PlacementOutcome.PLACED
                : io.gantry.telemetry.Labels.PlacementOutcome.UNPLACEABLE, Duration.ofNanos(System.nanoTime() - t0));
        return switch (decision) {
            case PlacementDecision.Placed p -> placedOn(w, p.node());
            case PlacementDecision.Unplaceable u -> w.toBuilder().clearRejections()
                    .addAllRejections(u.rejections().stream().limit(MAX_STORED_REJECTIONS).map(r -> NodeRejection.newBuilder().setNode(r.node())
                            .setReason(r.reason()).build()).toList())
                    .setReason(u.summary()).build();
        };
    }

    private static Workload placedOn(Workload w, String node) {
        return w.toBuilder().setNode(node).setPlacementVersion(w.getPlacementVersion() + 1).clearRejections().setReason("").build();
    }

    private long seedFor(String id) {
        return settings.seed() * 0x9E3779B97F4A7C15L + Long.parseLong(id, 16);
    }


    /** What the workloads placed on a node hold of it. */
    private static final class Usage {
        static final Usage NONE = new Usage();
        long cpu;
        long memory;
        int count;
        final Map<HostPort, Integer> ports = new HashMap<>();
        final Map<String, Integer> replicas = new HashMap<>();

        void add(Workload w, int sign) {
            var r = w.getSpec().getResources();
            cpu += sign * r.getCpuMillis();
            memory += sign * r.getMemoryBytes();
            count += sign;
            if (w.getSpec().getPortsCount() > 0) {
                HostPort.of(w.getSpec()).forEach(p -> ports.merge(p, sign, (a, b) -> a + b == 0 ? null : a + b));
            }
            if (!w.getService().isEmpty()) {
                replicas.merge(w.getService(), sign, (a, b) -> a + b == 0 ? null : a + b);
            }
        }
    }

    /** Moves a workload's share of its node from what it was to what it is ({@code null}: absent). */
    private void account(Workload before, Workload after) {
        if (before != null && !before.getNode().isEmpty() && holdsResources(before)) {
            var u = usage.get(before.getNode());
            u.add(before, -1);
            if (u.count == 0) {
                usage.remove(before.getNode());
            }
        }
        if (after != null && !after.getNode().isEmpty() && holdsResources(after)) {
            usage.computeIfAbsent(after.getNode(), k -> new Usage()).add(after, 1);
        }
    }

    /** The nodes as the placement core sees them now; a round is updated as a pass places workloads. */
    private PlacementRound snapshots() {
        return placer.round(nodes.values().stream().map(n -> {
            var u = usage.getOrDefault(n.getName(), Usage.NONE);
            return new NodeSnapshot(n.getName(), n.getStatus() == Node.Status.READY, n.getCpuMillis(), n.getMemoryBytes(),
                    u.cpu, u.memory, u.ports.keySet(), n.getLabelsMap(), NodeSnapshot.Availability.of(n.getAvailability()),
                    u.replicas);
        }).toList());
    }

    /** Coalesces requests: at most one evaluation queued behind the running one. */
    private void requestEvaluation() {
        if (!closed && evaluationQueued.compareAndSet(false, true)) {
            try {
                evaluator.execute(this::evaluate);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                evaluationQueued.set(false);
            }
        }
    }

    /**
     * One evaluation pass: services get the replicas they lack (and lose the ones they no longer need), then
     * every workload awaiting placement is placed against the latest state, and everything changed is written
     * in one batch before the cache and the agents see it. Under the lock, so the plan cannot go stale before
     * it is applied; the placement core is cheap enough for that.
     */
    private void evaluate() {
        evaluationQueued.set(false);
        try {
            synchronized (this) {
                if (!closed) {
                    evaluateLocked();
                }
            }
        } catch (FencedOutException e) {
            log.warn("{}", e.getMessage());
        } catch (RuntimeException e) {
            log.warn("evaluation failed: {}", e.toString());
        }
    }

    private void evaluateLocked() {
        long now = clock.millis();
        var changed = new LinkedHashMap<String, Workload>();
        var deleted = new ArrayList<Workload>();
        var serviceWrites = new ArrayList<Service>();
        var batchStarted = new ArrayList<String>();
        reconcileServices(now, changed, deleted, serviceWrites, batchStarted);

        var round = snapshots();
        var pending = new ArrayList<Workload>();
        for (String id : pendingIds) {
            if (!changed.containsKey(id)) {
                pending.add(workloads.get(id));
            }
        }
        for (var w : changed.values()) {
            if (awaitsPlacement(w)) {
                pending.add(w);
            }
        }
        for (var w : pending) {
            var ask = Ask.of(w); // once: placing and booking it must see the same ask
            var next = decide(w, ask, round);
            if (!next.getNode().isEmpty()) {
                round.add(next.getNode(), ask);
            }
            if (!next.equals(workloads.get(w.getId()))) {
                changed.put(next.getId(), next);
            }
        }
        if (changed.isEmpty() && deleted.isEmpty() && serviceWrites.isEmpty()) {
            return;
        }
        var writes = new ArrayList<Write>();
        serviceWrites.forEach(sv -> writes.add(new Write.PutService(sv, services.containsKey(sv.getId()))));
        changed.values().forEach(w -> writes.add(new Write.PutWorkload(w, workloads.containsKey(w.getId()))));
        deleted.forEach(w -> writes.add(new Write.DeleteWorkload(w.getId())));
        fenced(() -> store.commit(writes));

        serviceWrites.forEach(sv -> {
            services.put(sv.getId(), sv);
            dirtyServices.add(sv.getId());
        });
        batchStarted.forEach(id -> lastBatch.put(id, now));
        var touched = new HashSet<String>();
        for (var w : deleted) {
            uncache(w);
            touched.add(w.getNode());
        }
        int placed = 0;
        for (var w : changed.values()) {
            var before = workloads.get(w.getId());
            if (before != null && !before.getNode().isEmpty()) {
                touched.add(before.getNode());
            }
            cache(w);
            if (!w.getNode().isEmpty()) {
                touched.add(w.getNode());
                if (before == null || !before.getNode().equals(w.getNode())) {
                    placed++;
                }
            }
        }
        touched.remove("");
        touched.forEach(this::pushAssignments);
        if (placed > 0 || !deleted.isEmpty()) {
            log.info("evaluation: {} placed, {} changed, {} removed, {} service updates", placed, changed.size(),
                    deleted.size(), serviceWrites.size());
        }
    }

    private void reconcileServices(long now, Map<String, Workload> changed, List<Workload> deleted,
                                   List<Service> serviceWrites, List<String> batchStarted) {
        var toReconcile = new ArrayList<Service>();
        for (var sv : services.values()) {
            if (dirtyServices.contains(sv.getId()) || inRollingUpdate(sv)) {
                toReconcile.add(sv);
            }
        }
        dirtyServices.clear();
        try {
            reconcile(toReconcile, now, changed, deleted, serviceWrites, batchStarted);
        } catch (RuntimeException e) {
            toReconcile.forEach(sv -> dirtyServices.add(sv.getId())); // nothing was applied: again next time
            throw e;
        }
    }

    private void reconcile(List<Service> toReconcile, long now, Map<String, Workload> changed, List<Workload> deleted,
                           List<Service> serviceWrites, List<String> batchStarted) {
        for (var sv : toReconcile) {
            var replicas = new ArrayList<Workload>();
            for (String id : idsByService.getOrDefault(sv.getId(), Set.of())) {
                var w = workloads.get(id);
                if (w.getDesired() != DesiredState.DESIRED_REMOVED) {
                    replicas.add(w);
                }
            }
            var steps = ServiceReconciler.reconcile(sv, replicas, now,
                    lastBatch.getOrDefault(sv.getId(), 0L), r -> runningSince.getOrDefault(r.getId(), -1L));
            var current = sv;
            for (var step : steps) {
                switch (step) {
                    case ServiceReconciler.Step.SetService set -> {
                        current = set.service();
                        serviceWrites.add(current);
                        log.info("service {}: {}", current.getSpec().getName(), current.getUpdateStatus().getMessage());
                    }
                    case ServiceReconciler.Step.Create create -> {
                        var replica = newReplica(current, create.slot(), now, changed);
                        changed.put(replica.getId(), replica);
                    }
                    case ServiceReconciler.Step.Remove remove -> {
                        var r = remove.replica();
                        if (r.getNode().isEmpty() || !isNodeReady(r.getNode())) {
                            deleted.add(r);
                            changed.remove(r.getId());
                        } else {
                            changed.put(r.getId(), r.toBuilder().setDesired(DesiredState.DESIRED_REMOVED).build());
                        }
                        if (remove.why().startsWith("replaced")) {
                            batchStarted.add(current.getId());
                        }
                    }
                }
            }
        }
    }

    private Workload newReplica(Service sv, int slot, long now, Map<String, Workload> alsoNew) {
        String id;
        do {
            id = ids.next();
        } while (workloads.containsKey(id) || alsoNew.containsKey(id));
        // The service's name as a label (like Swarm's com.docker.swarm.service.name): agents tag metrics with it.
        var spec = sv.getSpec().getTemplate().toBuilder().setName(sv.getSpec().getName() + "." + slot + "." + id)
                .putLabels(SERVICE_LABEL, sv.getSpec().getName()).build();
        return Workload.newBuilder().setId(id).setSpec(spec).setState(ContainerState.PENDING)
                .setDesired(DesiredState.DESIRED_RUNNING).setCreatedAtMs(now).setService(sv.getId()).setSlot(slot)
                .setServiceVersion(sv.getVersion()).addAllEndpoints(networks.join(id, spec)).build();
    }

    private static boolean awaitsPlacement(Workload w) {
        return w.getNode().isEmpty() && w.getState() == ContainerState.PENDING && w.getDesired() == DesiredState.DESIRED_RUNNING;
    }

    private void pushAssignments(String nodeName) {
        var session = sessions.get(nodeName);
        if (session == null) {
            return;
        }
        var b = Assignments.newBuilder();
        for (String id : idsByNode.getOrDefault(nodeName, Set.of())) {
            var w = workloads.get(id);
            b.addAssignments(Assignment.newBuilder().setWorkloadId(w.getId()).setSpec(w.getSpec())
                    .setDesired(w.getDesired()).setPlacementVersion(w.getPlacementVersion())
                    .setRestartCount(w.getRestartCount()).addAllEndpoints(w.getEndpointsList())
                    .setStopTimeoutSeconds(stopTimeouts.getOrDefault(w.getId(), DEFAULT_STOP_TIMEOUT_SECONDS)));
        }
        b.addAllNetworks(networkViews(nodeName));
        session.send(SchedulerMessage.newBuilder().setAssignments(b).build());
    }

    /** Fenced write + cache update + wake whoever waits on this workload. */
    private void put(Workload w) {
        fenced(() -> store.updateWorkload(w));
        cache(w);
    }

    /** An agent's report: cached now, written behind by {@link #flushObserved}. */
    private void observe(Workload w) {
        cache(w);
        dirty.add(w.getId());
    }

    /**
     * Writes the observed state that changed since the last flush, in one batch: sent under the lock (so it is
     * ordered against every other write of this term: ZooKeeper applies one client's requests in order) and
     * awaited outside it. What did not land is marked dirty again.
     */
    private void flushObserved() {
        // One flush at a time: flushObservedNow must not return while a periodic flush is still in flight.
        synchronized (flushing) {
            flushObservedLocked();
        }
    }

    private void flushObservedLocked() {
        try {
            flushObservedOnce();
        } catch (FencedOutException e) {
            log.warn("{}", e.getMessage());
        } catch (RuntimeException e) {
            log.warn("writing observed state failed (will retry): {}", e.toString());
        }
    }

    /** Writes what is still only cached (a graceful shutdown calls this before the term ends). */
    public void flushObservedNow() {
        flushObserved();
    }

    private void flushObservedOnce() {
        List<FencedStore.Chunk> sent;
        synchronized (this) {
            if (closed || (dirty.isEmpty() && dirtyNodes.isEmpty())) {
                return;
            }
            var writes = new ArrayList<Write>(dirty.size() + dirtyNodes.size());
            for (String name : dirtyNodes) {
                writes.add(new Write.PutNode(nodes.get(name), true));
            }
            for (String id : dirty) {
                var w = workloads.get(id);
                if (w != null) {
                    writes.add(new Write.UpdateWorkloadIfPresent(w));
                }
            }
            dirty.clear();
            dirtyNodes.clear();
            try {
                sent = store.send(writes);
            } catch (Exception e) {
                log.warn("writing observed state failed (will retry): {}", e.toString());
                redirty(writes);
                return;
            }
        }
        for (var chunk : sent) {
            KeeperException.Code result;
            try {
                result = chunk.result().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                result = KeeperException.Code.OPERATIONTIMEOUT;
            }
            var code = result;
            if (code == KeeperException.Code.BADVERSION) {
                fenced(() -> {
                    throw new FencedOutException("cannot write observed state: this scheduler is no longer the leader", null);
                });
            } else if (code != KeeperException.Code.OK) {
                // NONODE: one of them was removed meanwhile (it is not cached any more, so it is not retried);
                // NONODE for a new node's record: retried through the fallback below.
                log.debug("observed-state chunk failed with {}; retrying its writes", code);
                synchronized (this) {
                    for (var w : chunk.writes()) {
                        if (w instanceof Write.PutNode p && code == KeeperException.Code.NONODE) {
                            try {
                                fenced(() -> store.putNode(nodes.getOrDefault(p.node().getName(), p.node()), false));
                            } catch (StoreException e) {
                                dirtyNodes.add(p.node().getName());
                            }
                        }
                    }
                    redirty(chunk.writes().stream().filter(w -> !(w instanceof Write.PutNode) || code != KeeperException.Code.NONODE).toList());
                }
            }
        }
    }

    private synchronized void redirty(List<Write> writes) {
        for (var w : writes) {
            switch (w) {
                case Write.UpdateWorkloadIfPresent u when workloads.containsKey(u.workload().getId()) -> dirty.add(u.workload().getId());
                case Write.PutNode p -> dirtyNodes.add(p.node().getName());
                default -> { }
            }
        }
    }

    private void delete(Workload w) {
        fenced(() -> store.deleteWorkload(w.getId()));
        uncache(w);
        try (var ignored = org.slf4j.MDC.putCloseable("workload", w.getId())) {
            log.info("removed {} ({})", w.getId(), w.getSpec().getName());
        }
        if (!w.getNode().isEmpty()) {
            pushAssignments(w.getNode());
        }
        if (holdsResources(w) || !w.getService().isEmpty()) {
            requestEvaluation();
        }
    }

    /** The one way a workload enters or changes in the cache: indexes, timers and waiters follow. */
    private void cache(Workload w) {
        var before = workloads.get(w.getId());
        emitChange(before, w);
        if (!w.getEndpointsList().isEmpty() || (before != null && !before.getEndpointsList().isEmpty())) {
            if (before == null || !memberKey(before).equals(memberKey(w))) {
                networksChanged(before, w);
            }
        }
        index(w);
        account(before, w);
        if (!w.getService().isEmpty() && (before == null || before.getDesired() != w.getDesired())) {
            dirtyServices.add(w.getService());
        }
        if (before != null) {
            if (!before.getNode().equals(w.getNode())) {
                unindexNode(before);
            }
            if (!before.getSpec().getName().equals(w.getSpec().getName())) {
                idsByName.remove(before.getSpec().getName(), w.getId());
            }
        }
        if (isFinished(w)) {
            finishedSeen.putIfAbsent(w.getId(), clock.millis());
        } else {
            finishedSeen.remove(w.getId());
        }
        if (w.getState() == ContainerState.RUNNING && (before == null || before.getState() != ContainerState.RUNNING
                || before.getRestartCount() != w.getRestartCount() || !before.getNode().equals(w.getNode()))) {
            runningSince.put(w.getId(), clock.millis());
        } else if (w.getState() != ContainerState.RUNNING) {
            runningSince.remove(w.getId());
        }
        notifyWaiters(w.getId(), w);
    }

    // ------------------------------------------------------------------ networks

    /** What other nodes see of a network member: a change here must reach them (forwarding entries, DNS). */
    private static List<Object> memberKey(Workload w) {
        return List.of(w.getNode(), isHealthyMember(w), w.getSpec().getName(), w.getEndpointsList());
    }

    private static boolean isHealthyMember(Workload w) {
        return w.getState() == ContainerState.RUNNING && w.getDesired() != DesiredState.DESIRED_REMOVED
                && w.getHealth() != io.gantry.proto.HealthStatus.UNHEALTHY
                && w.getHealth() != io.gantry.proto.HealthStatus.HEALTH_STARTING;
    }

    private void networksChanged(Workload before, Workload after) {
        for (var w : java.util.Arrays.asList(before, after)) {
            if (w != null) {
                w.getEndpointsList().forEach(e -> dirtyNetworks.add(e.getNetworkId()));
            }
        }
        if (networkPushQueued.compareAndSet(false, true)) {
            try {
                timer.schedule(this::pushNetworkChanges, NETWORK_PUSH_DELAY_MS, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                networkPushQueued.set(false); // closed
            }
        }
    }

    /** Batched: a burst of member changes (a service scaling) sends each affected node one new set. */
    private synchronized void pushNetworkChanges() {
        networkPushQueued.set(false);
        if (closed || dirtyNetworks.isEmpty()) {
            return;
        }
        var touched = new java.util.TreeSet<String>();
        for (var w : workloads.values()) {
            if (!w.getNode().isEmpty() && w.getEndpointsList().stream().anyMatch(e -> dirtyNetworks.contains(e.getNetworkId()))) {
                touched.add(w.getNode());
            }
        }
        dirtyNetworks.clear();
        touched.forEach(this::pushAssignments);
    }

    /** Every overlay network with a member on {@code nodeName}, with all its members cluster-wide. */
    private List<io.gantry.proto.NetworkView> networkViews(String nodeName) {
        var ids = new LinkedHashSet<String>();
        for (String id : idsByNode.getOrDefault(nodeName, Set.of())) {
            workloads.get(id).getEndpointsList().forEach(e -> ids.add(e.getNetworkId()));
        }
        if (ids.isEmpty()) {
            return List.of();
        }
        var views = new LinkedHashMap<String, io.gantry.proto.NetworkView.Builder>();
        for (String id : ids) {
            networks.get(id).ifPresent(n -> views.put(id, io.gantry.proto.NetworkView.newBuilder().setNetwork(n)));
        }
        for (var w : workloads.values()) {
            if (w.getNode().isEmpty() || w.getDesired() == DesiredState.DESIRED_REMOVED) {
                continue;
            }
            for (var e : w.getEndpointsList()) {
                var view = views.get(e.getNetworkId());
                if (view == null) {
                    continue;
                }
                var node = nodes.get(w.getNode());
                String service = w.getService().isEmpty() || !services.containsKey(w.getService()) ? ""
                        : services.get(w.getService()).getSpec().getName();
                view.addMembers(io.gantry.proto.NetworkMember.newBuilder().setWorkloadId(w.getId())
                        .setName(w.getSpec().getName()).addAllAliases(e.getAliasesList()).setService(service)
                        .setIp(e.getIp()).setMac(e.getMac()).setNode(w.getNode())
                        .setNodeAddress(node == null ? "" : hostOf(node.getAddress())).setHealthy(isHealthyMember(w)));
            }
        }
        return views.values().stream().map(io.gantry.proto.NetworkView.Builder::build).toList();
    }

    private static String hostOf(String address) {
        int colon = address.lastIndexOf(':');
        String host = colon > 0 ? address.substring(0, colon) : address;
        return host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    }

    /** Container events, from what changed in the cache (the one way workloads change). */
    private void emitChange(Workload before, Workload after) {
        if (before == null) {
            containerEvent("created", after, Map.of("image", after.getSpec().getImage()));
            if (!after.getNode().isEmpty()) {
                containerEvent("placed", after, Map.of());
            }
            return;
        }
        if (!before.getNode().equals(after.getNode())) {
            if (after.getNode().isEmpty()) {
                containerEvent("unplaced", after, Map.of("from", before.getNode(), "reason", after.getReason()));
            } else {
                containerEvent("placed", after, Map.of());
            }
        }
        if (!before.getSpec().getName().equals(after.getSpec().getName())) {
            containerEvent("renamed", after, Map.of("oldName", before.getSpec().getName()));
        }
        var was = before.getState();
        var now = after.getState();
        if (was != now || before.getRestartCount() != after.getRestartCount()) {
            if (was == ContainerState.PULLING && now != ContainerState.FAILED) {
                containerEvent("pulled", after, Map.of("image", after.getSpec().getImage(), "digest", after.getImageDigest()));
            }
            switch (now) {
                case RUNNING -> containerEvent(was == ContainerState.PAUSED ? "unpaused" : "started", after, Map.of());
                case PAUSED -> containerEvent("paused", after, Map.of());
                case EXITED, FAILED -> {
                    if (was != now) {
                        containerEvent("died", after, Map.of("exitCode", Integer.toString(after.getExitCode()),
                                "reason", after.getReason()));
                        if ("OOMKilled".equals(after.getReason())) {
                            containerEvent("oom", after, Map.of());
                        }
                    }
                }
                default -> { }
            }
        }
        if (before.getHealth() != after.getHealth() && after.getHealth() != io.gantry.proto.HealthStatus.HEALTH_NONE) {
            containerEvent("health_status", after, Map.of("health", after.getHealth() == io.gantry.proto.HealthStatus.HEALTHY ? "healthy"
                    : after.getHealth() == io.gantry.proto.HealthStatus.UNHEALTHY ? "unhealthy" : "starting"));
        }
    }

    private void containerEvent(String action, Workload w, Map<String, String> attributes) {
        var attrs = new TreeMap<>(attributes);
        if (!w.getService().isEmpty()) {
            attrs.put("service", w.getService());
        }
        events.emit("container", action, w.getId(), w.getSpec().getName(), w.getNode(), attrs);
    }

    private void index(Workload w) {
        workloads.put(w.getId(), w);
        idsByName.put(w.getSpec().getName(), w.getId());
        if (!w.getService().isEmpty()) {
            idsByService.computeIfAbsent(w.getService(), k -> new LinkedHashSet<>()).add(w.getId());
        }
        if (awaitsPlacement(w)) {
            pendingIds.add(w.getId());
        } else {
            pendingIds.remove(w.getId());
        }
        if (!w.getNode().isEmpty()) {
            idsByNode.computeIfAbsent(w.getNode(), k -> new LinkedHashSet<>()).add(w.getId());
        }
    }

    private void unindexNode(Workload w) {
        var ids = idsByNode.get(w.getNode());
        if (ids != null) {
            ids.remove(w.getId());
            if (ids.isEmpty()) {
                idsByNode.remove(w.getNode());
            }
        }
    }

    private void uncache(Workload w) {
        var cached = workloads.remove(w.getId());
        var gone = cached != null ? cached : w;
        if (cached != null) {
            containerEvent("removed", gone, Map.of());
        }
        if (!gone.getEndpointsList().isEmpty()) {
            networks.leave(gone.getId(), gone.getEndpointsList());
            networksChanged(gone, null);
        }
        if (cached != null) {
            account(cached, null);
        }
        unindexNode(gone);
        pendingIds.remove(gone.getId());
        if (!gone.getService().isEmpty()) {
            var ids = idsByService.get(gone.getService());
            if (ids != null) {
                ids.remove(gone.getId());
                if (ids.isEmpty()) {
                    idsByService.remove(gone.getService());
                }
            }
            dirtyServices.add(gone.getService());
        }
        idsByName.remove(gone.getSpec().getName(), gone.getId());
        stopTimeouts.remove(w.getId());
        finishedSeen.remove(w.getId());
        runningSince.remove(w.getId());
        dirty.remove(w.getId());
        notifyWaiters(w.getId(), null);
    }

    /**
     * The caller is told the run failed, but the create may have landed (reply lost): delete it so a later
     * leader does not load and start a workload nobody knows about.
     */
    private void discardUnconfirmedCreate(String id) {
        try {
            fenced(() -> store.deleteWorkload(id));
        } catch (RuntimeException e) {
            log.warn("workload {} may be left in ZooKeeper after a failed create: {}", id, e.getMessage());
        }
    }

    private void fenced(Runnable write) {
        long t0 = System.nanoTime();
        boolean failed = true;
        try {
            write.run();
            failed = false;
        } catch (FencedOutException e) {
            closed = true; // stop acting as leader at once; the election layer steps down
            onFencedOut.accept(this);
            throw e;
        } finally {
            metrics.zooKeeper(io.gantry.telemetry.Labels.ZkOp.TRANSACTION, Duration.ofNanos(System.nanoTime() - t0), failed);
        }
    }

    /** The cluster gauges, recounted once a tick (a pass over the cache; cheap next to a placement pass). */
    private void updateGauges() {
        var byNode = new java.util.EnumMap<io.gantry.telemetry.Labels.NodeState, Integer>(io.gantry.telemetry.Labels.NodeState.class);
        for (var n : nodes.values()) {
            var state = switch (n.getStatus()) {
                case READY -> n.getAvailability() == Node.Availability.DRAIN ? io.gantry.telemetry.Labels.NodeState.DRAINING
                        : io.gantry.telemetry.Labels.NodeState.READY;
                case DOWN -> io.gantry.telemetry.Labels.NodeState.DOWN;
                default -> io.gantry.telemetry.Labels.NodeState.UNKNOWN;
            };
            byNode.merge(state, 1, Integer::sum);
        }
        var byState = new java.util.EnumMap<io.gantry.telemetry.Labels.ContainerState, Integer>(io.gantry.telemetry.Labels.ContainerState.class);
        for (var w : workloads.values()) {
            if (w.getState() == ContainerState.REMOVED) {
                continue;
            }
            io.gantry.telemetry.Labels.ContainerState label;
            try {
                label = io.gantry.telemetry.Labels.ContainerState.valueOf(w.getState().name());
            } catch (IllegalArgumentException e) {
                label = io.gantry.telemetry.Labels.ContainerState.UNKNOWN;
            }
            byState.merge(label, 1, Integer::sum);
        }
        var pending = new java.util.EnumMap<io.gantry.telemetry.Labels.PendingReason, Integer>(io.gantry.telemetry.Labels.PendingReason.class);
        boolean anyNode = nodes.values().stream().anyMatch(n -> n.getStatus() == Node.Status.READY
                && n.getAvailability() == Node.Availability.ACTIVE);
        for (String id : pendingIds) {
            pending.merge(anyNode ? pendingReason(workloads.get(id)) : io.gantry.telemetry.Labels.PendingReason.NO_NODES, 1, Integer::sum);
        }
        metrics.setNodes(byNode);
        metrics.setContainers(byState);
        metrics.setPendingWorkloads(pending);
        metrics.setEvaluationQueueDepth(pendingIds.size() + dirtyServices.size());
    }

    /** The bounded label for why a workload waits: the most common rejection among the nodes it was turned down by. */
    private static io.gantry.telemetry.Labels.PendingReason pendingReason(Workload w) {
        var counts = new java.util.EnumMap<io.gantry.telemetry.Labels.PendingReason, Integer>(io.gantry.telemetry.Labels.PendingReason.class);
        for (var r : w.getRejectionsList()) {
            String reason = r.getReason();
            var label = reason.startsWith("insufficient cpu") ? io.gantry.telemetry.Labels.PendingReason.INSUFFICIENT_CPU
                    : reason.startsWith("insufficient memory") ? io.gantry.telemetry.Labels.PendingReason.INSUFFICIENT_MEMORY
                    : reason.startsWith("constraint") ? io.gantry.telemetry.Labels.PendingReason.CONSTRAINTS
                    : reason.startsWith("host port") ? io.gantry.telemetry.Labels.PendingReason.PORT_CONFLICT
                    : io.gantry.telemetry.Labels.PendingReason.OTHER;
            counts.merge(label, 1, Integer::sum);
        }
        return counts.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey)
                .orElse(io.gantry.telemetry.Labels.PendingReason.OTHER);
    }

    private CompletableFuture<Workload> await(Workload w, Predicate<Workload> done, Duration timeout,
                                              java.util.function.Supplier<RuntimeException> onTimeout) {
        var waiter = new Waiter(w.getId(), done, w);
        waiters.add(waiter);
        waiter.future.whenComplete((r, e) -> {
            if (waiter.future.isCancelled()) { // the caller went away: forget it now, not when the workload changes
                synchronized (this) {
                    waiters.remove(waiter);
                }
            }
        });
        if (timeout != null) {
            timer.schedule(() -> {
                RuntimeException failure = onTimeout.get();
                synchronized (this) {
                    waiters.remove(waiter);
                }
                if (failure == null) {
                    waiter.future.complete(waiter.last);
                } else {
                    waiter.future.completeExceptionally(failure);
                }
            }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        return waiter.future;
    }

    private void notifyWaiters(String id, Workload current) {
        for (var it = waiters.iterator(); it.hasNext(); ) {
            var waiter = it.next();
            if (!waiter.id.equals(id)) {
                continue;
            }
            if (current == null) {
                it.remove();
                waiter.future.complete(waiter.last); // removed meanwhile: its last known state
            } else {
                waiter.last = current;
                if (waiter.done.test(current)) {
                    it.remove();
                    waiter.future.complete(current);
                }
            }
        }
    }

    private Workload resolve(String ref) {
        if (ref == null || ref.isBlank()) {
            throw Status.INVALID_ARGUMENT.withDescription("a container name or id is required").asRuntimeException();
        }
        var byName = idsByName.get(ref);
        if (byName != null) {
            return workloads.get(byName);
        }
        var exact = workloads.get(ref);
        if (exact != null) {
            return exact;
        }
        var matches = workloads.values().stream().filter(w -> w.getId().startsWith(ref)).toList();
        if (matches.size() > 1) {
            throw Status.INVALID_ARGUMENT.withDescription("ambiguous container reference \"" + ref + "\": matches "
                    + matches.size() + " containers").asRuntimeException();
        }
        if (matches.isEmpty()) {
            throw Status.NOT_FOUND.withDescription("no such container: " + ref).asRuntimeException();
        }
        return matches.getFirst();
    }

    private boolean nameTaken(String name) {
        return idsByName.containsKey(name);
    }

    private boolean isNodeReady(String name) {
        var n = nodes.get(name);
        return n != null && n.getStatus() == Node.Status.READY;
    }

    static boolean isFinishedState(ContainerState s) {
        return s == ContainerState.EXITED || s == ContainerState.FAILED || s == ContainerState.REMOVED;
    }

    static boolean isFinished(Workload w) {
        return isFinishedState(w.getState());
    }

    /** "Running" for rm: placed and not finished (the agent may be pulling or starting it). */
    static boolean isRunning(Workload w) {
        return !w.getNode().isEmpty() && !isFinished(w);
    }

    /** Counted against its node: active, or finished but about to be restarted by the agent's policy. */
    static boolean holdsResources(Workload w) {
        if (w.getNode().isEmpty() || w.getState() == ContainerState.REMOVED) {
            return false;
        }
        return !isFinished(w) || (w.getDesired() == DesiredState.DESIRED_RUNNING
                && w.getSpec().getRestart().getMode() != RestartPolicy.Mode.NO);
    }

    private void ensureOpen() {
        if (closed) {
            throw Status.UNAVAILABLE.withDescription("this scheduler just lost leadership" + io.gantry.proto.LeaderTrailer.LEADER_PENDING_SUFFIX)
                    .asRuntimeException();
        }
    }

    /** Stop/rm/wait calls still waiting on an agent (diagnostics; tests check cancelled calls are forgotten). */
    public synchronized int pendingWaits() {
        return waiters.size();
    }

    public boolean isClosed() {
        return closed;
    }

    /** Ends the term: no more writes, agents and waiters are told to go elsewhere. Never blocks on I/O. */
    @Override
    public void close() {
        List<AgentSession> toClose;
        List<Waiter> toFail;
        closed = true; // seen at once by work in progress, before we get the lock
        synchronized (this) {
            closed = true;
            toClose = List.copyOf(sessions.values());
            sessions.clear();
            toFail = List.copyOf(waiters);
            waiters.clear();
        }
        var status = Status.UNAVAILABLE.withDescription("scheduler lost leadership; reconnect to the leader");
        toClose.forEach(s -> s.close(status));
        toFail.forEach(w -> w.future.completeExceptionally(status.asRuntimeException()));
        events.close();
        metrics.setLeader(false);
        // A follower reports no cluster gauges: dashboards take the leader's (max by state).
        metrics.setNodes(Map.of());
        metrics.setContainers(Map.of());
        metrics.setPendingWorkloads(Map.of());
        metrics.setEvaluationQueueDepth(0);
        timer.shutdownNow();
        evaluator.shutdownNow();
        reporter.shutdownNow();
        flusher.shutdownNow();
    }
}
