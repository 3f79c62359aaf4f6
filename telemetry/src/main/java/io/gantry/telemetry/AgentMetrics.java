package io.gantry.telemetry;

import io.gantry.telemetry.Labels.PullOutcome;
import io.gantry.telemetry.Labels.StartFailure;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The node agent's metrics. Owns every agent metric name:
 * <ul>
 * <li>{@code gantry_image_pull_bytes_total} counter (compressed layer bytes downloaded)</li>
 * <li>{@code gantry_image_pull_duration_seconds{outcome}} histogram (outcome: success, failure)</li>
 * <li>{@code gantry_container_starts_total} counter, {@code gantry_container_start_duration_seconds} histogram
 *     (from "assignment received" to "process running", pull included)</li>
 * <li>{@code gantry_container_start_failures_total{reason}} counter (reason: {@link StartFailure})</li>
 * <li>{@code gantry_container_oom_kills_total} counter</li>
 * <li>the cAdvisor-named per-container series, see {@link ContainerMetricsCollector}</li>
 * </ul>
 */
public final class AgentMetrics {
    public static final String IMAGE_PULL_BYTES = "gantry.image.pull";
    public static final String IMAGE_PULL_DURATION = "gantry.image.pull.duration";
    public static final String CONTAINER_STARTS = "gantry.container.starts";
    public static final String CONTAINER_START_DURATION = "gantry.container.start.duration";
    public static final String CONTAINER_START_FAILURES = "gantry.container.start.failures";
    public static final String CONTAINER_OOM_KILLS = "gantry.container.oom.kills";

    static final Duration[] PULL_BUCKETS = SchedulerMetrics.buckets(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300);
    static final Duration[] START_BUCKETS = SchedulerMetrics.buckets(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60);

    private final MeterRegistry registry;
    private final Counter pullBytes;
    private final Map<PullOutcome, Timer> pullDurations = new EnumMap<>(PullOutcome.class);
    private final Counter starts;
    private final Timer startDuration;
    private final Map<StartFailure, Counter> startFailures = new EnumMap<>(StartFailure.class);
    private final Counter oomKills;

    public AgentMetrics(MeterRegistry registry) {
        this.registry = registry;
        // Base unit "bytes" makes the Prometheus name gantry_image_pull_bytes_total.
        pullBytes = Counter.builder(IMAGE_PULL_BYTES).baseUnit("bytes")
                .description("Image layer bytes downloaded").register(registry);
        for (PullOutcome outcome : PullOutcome.values()) {
            pullDurations.put(outcome, Timer.builder(IMAGE_PULL_DURATION)
                    .description("Image pull time").tag("outcome", outcome.label())
                    .serviceLevelObjectives(PULL_BUCKETS).register(registry));
        }
        starts = Counter.builder(CONTAINER_STARTS).description("Containers started").register(registry);
        startDuration = Timer.builder(CONTAINER_START_DURATION)
                .description("Time from assignment to a running container process")
                .serviceLevelObjectives(START_BUCKETS).register(registry);
        for (StartFailure reason : StartFailure.values()) {
            startFailures.put(reason, Counter.builder(CONTAINER_START_FAILURES)
                    .description("Containers that could not be started").tag("reason", reason.label())
                    .register(registry));
        }
        oomKills = Counter.builder(CONTAINER_OOM_KILLS)
                .description("Containers killed by the kernel OOM killer").register(registry);
    }

    /** A finished pull: bytes actually downloaded (0 when everything was cached). */
    public void imagePulled(long bytesDownloaded, Duration took) {
        if (bytesDownloaded > 0) {
            pullBytes.increment(bytesDownloaded);
        }
        pullDurations.get(PullOutcome.SUCCESS).record(took);
    }

    public void imagePullFailed(long bytesDownloaded, Duration took) {
        if (bytesDownloaded > 0) {
            pullBytes.increment(bytesDownloaded);
        }
        pullDurations.get(PullOutcome.FAILURE).record(took);
    }

    public void containerStarted(Duration startLatency) {
        starts.increment();
        startDuration.record(startLatency);
    }

    public void containerStartFailed(StartFailure reason) {
        startFailures.get(reason).increment();
    }

    public void containerOomKilled() {
        oomKills.increment();
    }

    /**
     * Registers the per-container (cAdvisor-named) series: collected on every scrape from {@code containers},
     * so containers that are gone vanish from the next scrape. Needs the Prometheus registry (not any MeterRegistry).
     */
    public ContainerMetricsCollector registerContainerCollector(Supplier<List<ContainerDescriptor>> containers,
                                                                CgroupStats cgroups) {
        if (!(registry instanceof PrometheusMeterRegistry prometheus)) {
            throw new IllegalStateException("per-container metrics need a PrometheusMeterRegistry");
        }
        var collector = new ContainerMetricsCollector(containers, cgroups);
        prometheus.getPrometheusRegistry().register(collector);
        return collector;
    }
}
