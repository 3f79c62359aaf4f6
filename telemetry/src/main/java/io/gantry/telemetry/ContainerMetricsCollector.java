package io.gantry.telemetry;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-container series named like cAdvisor's, so dashboards written for cAdvisor work unchanged.
 * Collected at scrape time from the current container list: a container that is gone is simply absent
 * from the next scrape (no stale series). Labels: name, image, node, service.
 * <ul>
 * <li>{@code container_cpu_usage_seconds_total} counter</li>
 * <li>{@code container_memory_working_set_bytes}, {@code container_memory_rss}, {@code container_memory_usage_bytes},
 *     {@code container_spec_memory_limit_bytes} (0 = unlimited) gauges</li>
 * <li>{@code container_network_receive_bytes_total}, {@code container_network_transmit_bytes_total} counters
 *     (all interfaces but lo; only for containers with a known pid)</li>
 * <li>{@code container_start_time_seconds} gauge (unix seconds)</li>
 * <li>{@code container_tasks} gauge (pids.current; only where the pids controller is available)</li>
 * </ul>
 */
public final class ContainerMetricsCollector implements MultiCollector {
    private static final Logger log = LoggerFactory.getLogger(ContainerMetricsCollector.class);

    // Prometheus client 1.x names counters without the _total suffix; the exposition format adds it.
    public static final String CPU_USAGE = "container_cpu_usage_seconds";
    public static final String MEMORY_WORKING_SET = "container_memory_working_set_bytes";
    public static final String MEMORY_RSS = "container_memory_rss";
    public static final String MEMORY_USAGE = "container_memory_usage_bytes";
    public static final String MEMORY_LIMIT = "container_spec_memory_limit_bytes";
    public static final String NETWORK_RECEIVE = "container_network_receive_bytes";
    public static final String NETWORK_TRANSMIT = "container_network_transmit_bytes";
    public static final String START_TIME = "container_start_time_seconds";
    public static final String TASKS = "container_tasks";

    private final Supplier<List<ContainerDescriptor>> containers;
    private final CgroupStats cgroups;
    private final Path procRoot;

    public ContainerMetricsCollector(Supplier<List<ContainerDescriptor>> containers, CgroupStats cgroups) {
        this(containers, cgroups, Path.of("/proc"));
    }

    public ContainerMetricsCollector(Supplier<List<ContainerDescriptor>> containers, CgroupStats cgroups,
                                     Path procRoot) {
        this.containers = containers;
        this.cgroups = cgroups;
        this.procRoot = procRoot;
    }

    @Override
    public MetricSnapshots collect() {
        var cpu = CounterSnapshot.builder().name(CPU_USAGE).help("Cumulative cpu time consumed in seconds.");
        var workingSet = GaugeSnapshot.builder().name(MEMORY_WORKING_SET).help("Current working set in bytes.");
        var rss = GaugeSnapshot.builder().name(MEMORY_RSS).help("Size of RSS in bytes.");
        var usage = GaugeSnapshot.builder().name(MEMORY_USAGE)
                .help("Current memory usage in bytes, including all memory regardless of when it was accessed.");
        var limit = GaugeSnapshot.builder().name(MEMORY_LIMIT).help("Memory limit for the container (0 = unlimited).");
        var rx = CounterSnapshot.builder().name(NETWORK_RECEIVE).help("Cumulative count of bytes received.");
        var tx = CounterSnapshot.builder().name(NETWORK_TRANSMIT).help("Cumulative count of bytes transmitted.");
        var start = GaugeSnapshot.builder().name(START_TIME).help("Start time of the container since unix epoch in seconds.");
        var tasks = GaugeSnapshot.builder().name(TASKS).help("Number of tasks (processes and threads) in the container.");
        int sampled = 0;
        int withNetwork = 0;
        int withTasks = 0;
        var seen = new HashSet<Labels>();
        for (ContainerDescriptor c : containers.get()) {
            Labels labels = Labels.of("image", c.image(), "name", c.name(), "node", c.node(), "service", c.service());
            if (!seen.add(labels)) {
                continue; // two descriptors for one container: Prometheus rejects duplicate series
            }
            CgroupSample sample;
            try {
                sample = cgroups.read(c.cgroupPath());
            } catch (IOException | RuntimeException e) {
                // Typically the container exited between listing and reading: it just drops out of this scrape.
                log.debug("no cgroup stats for container {} ({}): {}", c.name(), c.id(), e.toString());
                continue;
            }
            sampled++;
            cpu.dataPoint(counter(labels, sample.cpuUsageNanos() / 1e9));
            workingSet.dataPoint(gauge(labels, sample.workingSetBytes()));
            rss.dataPoint(gauge(labels, sample.rssBytes()));
            usage.dataPoint(gauge(labels, sample.memoryUsageBytes()));
            limit.dataPoint(gauge(labels, c.memoryLimitBytes() > 0 ? c.memoryLimitBytes() : sample.memoryLimitBytes()));
            start.dataPoint(gauge(labels, c.startedAt().toEpochMilli() / 1000.0));
            if (sample.pidsCurrent() >= 0) {
                tasks.dataPoint(gauge(labels, sample.pidsCurrent()));
                withTasks++;
            }
            if (c.pid() > 0) {
                try {
                    NetworkCounters net = CgroupStats.network(procRoot, c.pid());
                    rx.dataPoint(counter(labels, net.receiveBytes()));
                    tx.dataPoint(counter(labels, net.transmitBytes()));
                    withNetwork++;
                } catch (IOException | RuntimeException e) {
                    log.debug("no network stats for container {} (pid {}): {}", c.name(), c.pid(), e.toString());
                }
            }
        }
        var snapshots = new ArrayList<MetricSnapshot>();
        if (sampled > 0) {
            snapshots.addAll(List.of(cpu.build(), workingSet.build(), rss.build(), usage.build(), limit.build(),
                    start.build()));
        }
        if (withTasks > 0) {
            snapshots.add(tasks.build());
        }
        if (withNetwork > 0) {
            snapshots.add(rx.build());
            snapshots.add(tx.build());
        }
        return new MetricSnapshots(snapshots);
    }

    @Override
    public List<String> getPrometheusNames() {
        return List.of(CPU_USAGE, MEMORY_WORKING_SET, MEMORY_RSS, MEMORY_USAGE, MEMORY_LIMIT, NETWORK_RECEIVE,
                NETWORK_TRANSMIT, START_TIME, TASKS);
    }

    private static CounterDataPointSnapshot counter(Labels labels, double value) {
        return CounterDataPointSnapshot.builder().labels(labels).value(value).build();
    }

    private static GaugeDataPointSnapshot gauge(Labels labels, double value) {
        return GaugeDataPointSnapshot.builder().labels(labels).value(value).build();
    }
}
