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
import io.gantry.proto.Workload;
import io.gantry.scheduler.placement.Ask;
import io.gantry.scheduler.placement.HostPort;
import io.gantry.scheduler.placement.NodeSnapshot;
import io.gantry.scheduler.placement.PlacementDecision;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything one leadership term does. Created after the epoch bump with the loaded state; works from its
 * in-memory cache, writes through the {@link FencedStore}, and is closed (never reused) when leadership ends.
 * One monitor lock guards the cache; writes happen under it so the cache and ZooKeeper never diverge.
 */
public final class SchedulerCore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SchedulerCore.class);
    static final int DEFAULT_STOP_TIMEOUT_SECONDS = 10;
    static final Duration WAIT_SLACK = Duration.ofSeconds(10);
    static final Duration ATTACHED_RM_GRACE = Duration.ofSeconds(60);

    /** Tunables of one term. */
    public record Settings(Duration heartbeatTimeout, Duration monitorInterval, String defaultRegistry, long seed) {
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
    private final Map<String, Node> nodes = new TreeMap<>();
    private final Map<String, AgentSession> sessions = new HashMap<>();
    private final Map<String, Long> lastSeen = new HashMap<>();
    private final Map<String, Integer> stopTimeouts = new HashMap<>();
    /** When this term saw each workload finish, on our clock (agent timestamps may be skewed). */
    private final Map<String, Long> finishedSeen = new HashMap<>();
    private final List<Waiter> waiters = new ArrayList<>();
    private final AtomicLong logRequestIds = new AtomicLong();
    private final ScheduledExecutorService timer;
    private final ExecutorService evaluator;
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
                         IdGenerator ids, Consumer<SchedulerCore> onFencedOut) {
        this.store = store;
        this.clock = clock;
        this.settings = settings;
        this.placer = placer;
        this.ids = ids;
        this.onFencedOut = onFencedOut;
        this.takeoverMillis = clock.millis();
        state.workloads().stream().sorted(Comparator.comparingLong(Workload::getCreatedAtMs).thenComparing(Workload::getId))
                .forEach(w -> workloads.put(w.getId(), w));
        state.nodes().forEach(n -> nodes.put(n.getName(), n));
        this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("gantry-timer").factory());
        this.evaluator = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("gantry-eval").factory());
    }

    /** Starts the timers; a no-op once closed (the server may end the term before starting it). */
    public synchronized void start() {
        if (closed) {
            return;
        }
        long every = settings.monitorInterval().toMillis();
        timer.scheduleWithFixedDelay(this::tick, every, every, TimeUnit.MILLISECONDS);
        requestEvaluation();
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
        var w = Workload.newBuilder().setId(id).setSpec(spec).setState(ContainerState.PENDING)
                .setDesired(DesiredState.DESIRED_RUNNING).setCreatedAtMs(clock.millis())
                .setAttached(request.getAttached()).build();
        // Decide first, then write once: the new workload holds nothing yet, so the snapshot is the same.
        var placed = decide(w, snapshots());
        try {
            fenced(() -> store.createWorkload(placed));
        } catch (StoreException e) {
            discardUnconfirmedCreate(id);
            throw e;
        }
        workloads.put(id, placed);
        if (!placed.getNode().isEmpty()) {
            pushAssignments(placed.getNode());
        }
        log.info("run {} ({}): {}", id, spec.getName(), placed.getNode().isEmpty() ? placed.getReason() : "on " + placed.getNode());
        return placed;
    }

    public synchronized List<Workload> list(boolean all) {
        ensureOpen();
        return workloads.values().stream().filter(w -> all || !isFinished(w)).toList();
    }

    public synchronized Workload inspect(String ref) {
        ensureOpen();
        return resolve(ref);
    }

    public synchronized List<Node> listNodes() {
        ensureOpen();
        var usage = usageByNode();
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
        if (w.getDesired() == DesiredState.DESIRED_RUNNING) {
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
    public void openLogs(String ref, boolean follow, int tail, ServerCallStreamObserver<LogEntry> caller) {
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
                .setWorkloadId(w.getId()).setFollow(follow).setTail(tail)).build());
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
        var node = Node.newBuilder().setName(name).setAddress(r.getAddress()).setCpuMillis(r.getCpuMillis())
                .setMemoryBytes(r.getMemoryBytes()).putAllLabels(r.getLabelsMap()).setStatus(Node.Status.READY)
                .setLastHeartbeatMs(now).setAgentVersion(r.getAgentVersion()).build();
        boolean known = nodes.containsKey(name);
        fenced(() -> store.putNode(node, known));
        nodes.put(name, node);
        var session = new AgentSession(name, out);
        sessions.put(name, session);
        lastSeen.put(name, now);
        session.send(SchedulerMessage.newBuilder().setRegistered(Registered.newBuilder()
                .setHeartbeatIntervalMs(settings.heartbeatIntervalMillis()).setDefaultRegistry(settings.defaultRegistry()))
                .build());
        for (var status : r.getContainersList()) {
            applyStatus(name, status);
        }
        pushAssignments(name);
        log.info("node {} registered ({} cores, {} memory, {} containers reported)", name, r.getCpuMillis() / 1000.0,
                io.gantry.scheduler.placement.HumanUnits.bytes(r.getMemoryBytes()), r.getContainersCount());
        requestEvaluation();
        return session;
    }

    public void heartbeat(AgentSession session) {
        synchronized (this) {
            if (sessions.get(session.nodeName()) == session) {
                lastSeen.put(session.nodeName(), clock.millis());
            }
        }
    }

    public synchronized void status(AgentSession session, ContainerStatus status) {
        ensureOpen();
        if (sessions.get(session.nodeName()) != session) {
            return; // a replaced stream
        }
        lastSeen.put(session.nodeName(), clock.millis());
        applyStatus(session.nodeName(), status);
    }

    public void logChunk(AgentSession session, LogChunk chunk) {
        session.relay(chunk);
    }

    /** The agent's stream ended (or failed): the node is down until it registers again. */
    public synchronized void disconnected(AgentSession session) {
        session.ended();
        if (closed || sessions.get(session.nodeName()) != session) {
            return;
        }
        sessions.remove(session.nodeName());
        markDown(session.nodeName(), "stream ended");
    }

    // ------------------------------------------------------------------ internals

    private void tick() {
        try {
            synchronized (this) {
                if (closed) {
                    return;
                }
                long now = clock.millis();
                for (var n : List.copyOf(nodes.values())) {
                    if (n.getStatus() != Node.Status.READY) {
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
        var updated = b.build();
        if (s.getState() == ContainerState.REMOVED && w.getDesired() == DesiredState.DESIRED_REMOVED) {
            delete(updated);
            return;
        }
        boolean freed = holdsResources(w) && !holdsResources(updated);
        if (!updated.equals(w)) {
            put(updated);
        }
        autoRemoveIfDue(updated);
        if (freed) {
            requestEvaluation();
        }
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

    private Workload decide(Workload w, List<NodeSnapshot> snapshots) {
        var decision = placer.place(snapshots, askOf(w), seedFor(w.getId()));
        return switch (decision) {
            case PlacementDecision.Placed p -> placedOn(w, p.node());
            case PlacementDecision.Unplaceable u -> w.toBuilder().clearRejections()
                    .addAllRejections(u.rejections().stream().map(r -> NodeRejection.newBuilder().setNode(r.node())
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

    static Ask askOf(Workload w) {
        var r = w.getSpec().getResources();
        return new Ask(r.getCpuMillis(), r.getMemoryBytes(), hostPorts(w));
    }

    private static List<HostPort> hostPorts(Workload w) {
        return w.getSpec().getPortsList().stream().filter(p -> p.getHostPort() > 0)
                .map(p -> new HostPort(p.getHostPort(), p.getProtocol())).toList();
    }

    /** What the workloads placed on a node hold of it (accumulated in one pass, then only read). */
    private static final class Usage {
        static final Usage NONE = new Usage();
        long cpu;
        long memory;
        int count;
        final Set<HostPort> ports = new HashSet<>();
    }

    /** One pass over the workloads: what each node has handed out. */
    private Map<String, Usage> usageByNode() {
        var usage = new HashMap<String, Usage>();
        for (var w : workloads.values()) {
            if (!w.getNode().isEmpty() && holdsResources(w)) {
                var r = w.getSpec().getResources();
                var u = usage.computeIfAbsent(w.getNode(), k -> new Usage());
                u.cpu += r.getCpuMillis();
                u.memory += r.getMemoryBytes();
                u.count++;
                u.ports.addAll(hostPorts(w));
            }
        }
        return usage;
    }

    private List<NodeSnapshot> snapshots() {
        var usage = usageByNode();
        return nodes.values().stream().map(n -> {
            var u = usage.getOrDefault(n.getName(), Usage.NONE);
            return new NodeSnapshot(n.getName(), n.getStatus() == Node.Status.READY, n.getCpuMillis(), n.getMemoryBytes(),
                    u.cpu, u.memory, u.ports, n.getLabelsMap());
        }).toList();
    }

    /** Coalesces requests: at most one evaluation queued behind the running one. */
    private void requestEvaluation() {
        if (!closed && evaluationQueued.compareAndSet(false, true)) {
            try {
                evaluator.execute(this::evaluatePending);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                evaluationQueued.set(false);
            }
        }
    }

    /** Plan against a snapshot without the lock, then re-check each step against the latest state and apply. */
    private void evaluatePending() {
        evaluationQueued.set(false);
        try {
            List<Workload> pending;
            List<NodeSnapshot> snapshot;
            synchronized (this) {
                if (closed) {
                    return;
                }
                pending = workloads.values().stream().filter(SchedulerCore::awaitsPlacement).toList();
                snapshot = snapshots();
            }
            if (pending.isEmpty()) {
                return;
            }
            var planned = new LinkedHashMap<String, PlacementDecision>();
            var working = new ArrayList<>(snapshot);
            for (var w : pending) {
                var d = placer.place(working, askOf(w), seedFor(w.getId()));
                planned.put(w.getId(), d);
                if (d instanceof PlacementDecision.Placed p) {
                    working.replaceAll(n -> n.name().equals(p.node()) ? n.plus(askOf(w)) : n);
                }
            }
            synchronized (this) {
                if (closed) {
                    return;
                }
                var touched = new HashSet<String>();
                var current = new ArrayList<>(snapshots()); // kept up to date below instead of rebuilt per workload
                for (var e : planned.entrySet()) {
                    var w = workloads.get(e.getKey());
                    if (w == null || !awaitsPlacement(w)) {
                        continue;
                    }
                    Workload next;
                    if (e.getValue() instanceof PlacementDecision.Placed p && current.stream()
                            .anyMatch(n -> n.name().equals(p.node()) && placer.firstRejection(n, askOf(w)).isEmpty())) {
                        next = placedOn(w, p.node());
                    } else {
                        next = decide(w, current); // the plan went stale: decide again on the latest state
                    }
                    if (!next.equals(w)) {
                        put(next);
                        if (!next.getNode().isEmpty()) {
                            var placedHere = next;
                            current.replaceAll(n -> n.name().equals(placedHere.getNode()) ? n.plus(askOf(placedHere)) : n);
                            touched.add(next.getNode());
                            log.info("placed pending {} on {}", next.getId(), next.getNode());
                        }
                    }
                }
                touched.forEach(this::pushAssignments);
            }
        } catch (FencedOutException e) {
            log.warn("{}", e.getMessage());
        } catch (RuntimeException e) {
            log.warn("evaluation of pending workloads failed: {}", e.toString());
        }
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
        for (var w : workloads.values()) {
            if (w.getNode().equals(nodeName)) {
                b.addAssignments(Assignment.newBuilder().setWorkloadId(w.getId()).setSpec(w.getSpec())
                        .setDesired(w.getDesired()).setPlacementVersion(w.getPlacementVersion())
                        .setStopTimeoutSeconds(stopTimeouts.getOrDefault(w.getId(), DEFAULT_STOP_TIMEOUT_SECONDS)));
            }
        }
        session.send(SchedulerMessage.newBuilder().setAssignments(b).build());
    }

    /** Fenced write + cache update + wake whoever waits on this workload. */
    private void put(Workload w) {
        fenced(() -> store.updateWorkload(w));
        workloads.put(w.getId(), w);
        if (isFinished(w)) {
            finishedSeen.putIfAbsent(w.getId(), clock.millis());
        } else {
            finishedSeen.remove(w.getId());
        }
        notifyWaiters(w.getId(), w);
    }

    private void delete(Workload w) {
        fenced(() -> store.deleteWorkload(w.getId()));
        workloads.remove(w.getId());
        stopTimeouts.remove(w.getId());
        finishedSeen.remove(w.getId());
        log.info("removed {} ({})", w.getId(), w.getSpec().getName());
        notifyWaiters(w.getId(), null);
        if (!w.getNode().isEmpty()) {
            pushAssignments(w.getNode());
        }
        if (holdsResources(w)) {
            requestEvaluation();
        }
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
        try {
            write.run();
        } catch (FencedOutException e) {
            closed = true; // stop acting as leader at once; the election layer steps down
            onFencedOut.accept(this);
            throw e;
        }
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
        for (var w : workloads.values()) {
            if (w.getSpec().getName().equals(ref)) {
                return w;
            }
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
        return workloads.values().stream().anyMatch(w -> w.getSpec().getName().equals(name));
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
            throw Status.UNAVAILABLE.withDescription("this scheduler just lost leadership; retry").asRuntimeException();
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
        timer.shutdownNow();
        evaluator.shutdownNow();
    }
}
