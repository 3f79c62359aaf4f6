package io.gantry.agent.health;

import io.gantry.proto.HealthStatus;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one container's probe every {@code interval} (counted from the end of the previous probe, as Docker
 * does; the first one interval after the start) and feeds the outcomes to its {@link HealthMonitor}.
 * Probes run on {@code probes} (they block up to their timeout), never on the scheduler's thread.
 */
public final class HealthChecker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);

    /** Called from a probe thread; must not block for long. */
    public interface Listener {
        /** The snapshot changed (status, failing streak or last output). */
        void changed(HealthSnapshot snapshot);

        /** It just turned UNHEALTHY (called after {@link #changed}); the on-failure action hooks in here. */
        default void becameUnhealthy(HealthSnapshot snapshot) {
        }
    }

    private final HealthCheckSpec check;
    private final HealthMonitor monitor;
    private final HealthProbe probe;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final Executor probes;
    private final Listener listener;
    private ScheduledFuture<?> next;
    private boolean closed;

    public HealthChecker(HealthCheckSpec check, HealthMonitor monitor, HealthProbe probe, Clock clock,
                         ScheduledExecutorService scheduler, Executor probes, Listener listener) {
        this.check = check;
        this.monitor = monitor;
        this.probe = probe;
        this.clock = clock;
        this.scheduler = scheduler;
        this.probes = probes;
        this.listener = listener;
    }

    public HealthSnapshot current() {
        return monitor.current();
    }

    public synchronized void start() {
        scheduleNext();
    }

    /** No further probes; the result of one still running is dropped. */
    @Override
    public synchronized void close() {
        closed = true;
        if (next != null) {
            next.cancel(false);
        }
    }

    private synchronized void scheduleNext() {
        if (closed) {
            return;
        }
        try {
            next = scheduler.schedule(() -> {
                try {
                    probes.execute(this::probeOnce);
                } catch (RejectedExecutionException e) {
                    // the runtime is closing
                }
            }, check.interval().toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // the runtime is closing
        }
    }

    private void probeOnce() {
        synchronized (this) {
            if (closed) {
                return;
            }
        }
        Instant startedAt = clock.instant();
        ProbeResult result;
        try {
            result = probe.run(check.argv(), check.timeout());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (RuntimeException e) {
            log.warn("health probe failed to run: {}", e.toString());
            result = new ProbeResult(-1, "cannot run the health check: " + e.getMessage(), false);
        }
        HealthSnapshot before;
        HealthSnapshot after;
        synchronized (this) {
            if (closed) {
                return;
            }
            before = monitor.current();
            after = monitor.record(result, startedAt);
        }
        if (!after.equals(before)) {
            listener.changed(after);
            if (after.status() == HealthStatus.UNHEALTHY && before.status() != HealthStatus.UNHEALTHY) {
                listener.becameUnhealthy(after);
            }
        }
        scheduleNext();
    }
}
