package io.gantry.agent.sim;

import io.gantry.agent.reconcile.LocalContainer;
import io.gantry.agent.runtime.AgentRuntime;
import io.gantry.agent.runtime.ContainerRuntime;
import io.gantry.proto.Assignment;
import io.gantry.proto.ContainerState;
import io.gantry.proto.ContainerStatus;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Containers that exist only in memory, for hollow nodes (Kubernetes' kubemark idea): an assignment goes
 * PULLING at once, STARTING half-way through the start latency and RUNNING at its end, with
 * {@code started_at_ms} the time it got there. Stop and remove take effect at once; logs are empty; nothing
 * exits on its own. All state sits under this object's monitor: operations come from the agent's reconciler,
 * transitions from the shared timer, and neither ever waits for the other for long.
 */
public final class SimulatedRuntime implements AgentRuntime {
    private static final Logger log = LoggerFactory.getLogger(SimulatedRuntime.class);
    /** An empty file every log request can read (and find nothing in). */
    private static final Path EMPTY_LOG = Path.of("/dev/null");
    static final String DIGEST = "sha256:" + "0".repeat(64);

    private final SimSettings settings;
    private final Clock clock;
    private final ScheduledExecutorService timer;
    private final ContainerRuntime.StatusListener listener;
    private final Map<String, SimContainer> containers = new LinkedHashMap<>();
    private boolean shuttingDown;

    private static final class SimContainer {
        final Assignment assignment;
        ContainerState state = ContainerState.PULLING;
        int exitCode;
        String reason = "";
        long startedAtMs;
        long finishedAtMs;
        boolean stopRequested;
        ScheduledFuture<?> pending;

        SimContainer(Assignment assignment) {
            this.assignment = assignment;
        }

        ContainerStatus status() {
            return ContainerStatus.newBuilder().setWorkloadId(assignment.getWorkloadId()).setState(state)
                    .setExitCode(exitCode).setReason(reason).setStartedAtMs(startedAtMs).setFinishedAtMs(finishedAtMs)
                    .setImageDigest(state == ContainerState.PULLING ? "" : DIGEST)
                    .setPlacementVersion(assignment.getPlacementVersion()).build();
        }
    }

    public SimulatedRuntime(SimSettings settings, Clock clock, ScheduledExecutorService timer,
                            ContainerRuntime.StatusListener listener) {
        this.settings = settings;
        this.clock = clock;
        this.timer = timer;
        this.listener = listener;
    }

    @Override
    public List<ContainerStatus> recover() {
        return List.of(); // nothing survives a hollow node
    }

    @Override
    public synchronized List<ContainerStatus> statuses() {
        return containers.values().stream().map(SimContainer::status).toList();
    }

    @Override
    public synchronized Map<String, LocalContainer> localView() {
        Map<String, LocalContainer> out = new LinkedHashMap<>();
        for (SimContainer c : containers.values()) {
            out.put(c.assignment.getWorkloadId(), new LocalContainer(c.assignment.getWorkloadId(), c.state,
                    c.assignment.getPlacementVersion(), c.stopRequested));
        }
        return out;
    }

    /** The simulated state of one container (tests). */
    public synchronized Optional<ContainerStatus> status(String id) {
        return Optional.ofNullable(containers.get(id)).map(SimContainer::status);
    }

    @Override
    public synchronized CompletableFuture<Void> run(Assignment assignment) {
        String id = assignment.getWorkloadId();
        if (shuttingDown) {
            throw new IllegalStateException("the simulated runtime is shutting down; not starting " + id);
        }
        if (containers.containsKey(id)) {
            return CompletableFuture.completedFuture(null);
        }
        SimContainer c = new SimContainer(assignment);
        containers.put(id, c);
        long latency = settings.startLatency().toMillis();
        if (settings.intermediateStates()) {
            changed(c);
            c.pending = timer.schedule(() -> advance(c, ContainerState.STARTING), latency / 2, TimeUnit.MILLISECONDS);
        } else {
            c.pending = timer.schedule(() -> advance(c, ContainerState.RUNNING), latency, TimeUnit.MILLISECONDS);
        }
        return CompletableFuture.completedFuture(null);
    }

    /** One step along PULLING -> STARTING -> RUNNING, unless stopped or removed meanwhile. */
    private void advance(SimContainer c, ContainerState next) {
        synchronized (this) {
            if (containers.get(c.assignment.getWorkloadId()) != c || c.stopRequested || shuttingDown) {
                return;
            }
            c.state = next;
            if (next == ContainerState.RUNNING) {
                c.startedAtMs = clock.millis();
                c.pending = null;
            } else {
                long rest = settings.startLatency().toMillis() - settings.startLatency().toMillis() / 2;
                c.pending = timer.schedule(() -> advance(c, ContainerState.RUNNING), rest, TimeUnit.MILLISECONDS);
            }
            changed(c);
        }
    }

    @Override
    public synchronized CompletableFuture<Void> stop(String id, Duration timeout) {
        SimContainer c = containers.get(id);
        if (c == null || c.stopRequested) {
            return CompletableFuture.completedFuture(null);
        }
        c.stopRequested = true;
        cancelPending(c);
        if (c.state == ContainerState.RUNNING) {
            c.state = ContainerState.STOPPING;
            changed(c);
            c.exitCode = 143; // what SIGTERM leaves behind in a shell
        } else if (c.state == ContainerState.PULLING || c.state == ContainerState.STARTING) {
            c.reason = "stopped before it started";
        } else {
            return CompletableFuture.completedFuture(null); // already finished
        }
        c.state = ContainerState.EXITED;
        c.finishedAtMs = clock.millis();
        changed(c);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized CompletableFuture<Void> remove(String id) {
        SimContainer c = containers.remove(id);
        if (c != null) {
            cancelPending(c);
            c.state = ContainerState.REMOVED;
            changed(c);
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized void removeAll() {
        shuttingDown = true;
        for (String id : new ArrayList<>(containers.keySet())) {
            remove(id);
        }
    }

    @Override
    public synchronized Optional<ContainerRuntime.LogSource> logSource(String id) {
        if (!containers.containsKey(id)) {
            return Optional.empty();
        }
        return Optional.of(new ContainerRuntime.LogSource(EMPTY_LOG, () -> false));
    }

    @Override
    public long cpuMillis() {
        return settings.cpuMillis();
    }

    @Override
    public long memoryBytes() {
        return settings.memoryBytes();
    }

    /** Forgets pending transitions; the simulated containers vanish with the agent. */
    @Override
    public synchronized void close() {
        shuttingDown = true;
        containers.values().forEach(SimulatedRuntime::cancelPending);
    }

    private static void cancelPending(SimContainer c) {
        if (c.pending != null) {
            c.pending.cancel(false);
            c.pending = null;
        }
    }

    /** Reports under the monitor, so reports leave in transition order; the listener never blocks. */
    private void changed(SimContainer c) {
        try {
            listener.changed(c.status());
        } catch (RuntimeException e) {
            log.warn("status listener failed: {}", e.toString());
        }
    }
}
