package io.gantry.telemetry;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.util.List;

/**
 * One component's Prometheus meter registry: JVM and process binders, common tags
 * {@code component} and {@code node}, and the renaming of micrometer's gRPC meters under {@code gantry_}.
 * Create one per process, hand {@link #registry()} to the metric facades and the {@link TelemetryServer}.
 */
public final class TelemetryRegistry implements AutoCloseable {
    /** Micrometer's gRPC binder names its meters {@code grpc.server.*}; we publish them as {@code gantry_grpc_server_*}. */
    static final String GRPC_PREFIX = "grpc.server.";

    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gcMetrics;

    private TelemetryRegistry(PrometheusMeterRegistry registry, JvmGcMetrics gcMetrics) {
        this.registry = registry;
        this.gcMetrics = gcMetrics;
    }

    /**
     * @param component "scheduler", "agent" or "ctl" (a common tag on every gantry and JVM meter)
     * @param node      this machine's node name (a common tag); may be empty
     */
    /**
     * Prometheus wants snake_case label names (promtool says so); micrometer's gRPC binder uses {@code methodType}
     * and {@code statusCode}.
     */
    static Meter.Id snakeCaseTags(Meter.Id id) {
        boolean camel = false;
        for (Tag t : id.getTagsAsIterable()) {
            if (!t.getKey().equals(t.getKey().toLowerCase(java.util.Locale.ROOT))) {
                camel = true;
                break;
            }
        }
        if (!camel) {
            return id;
        }
        var tags = new java.util.ArrayList<Tag>();
        for (Tag t : id.getTagsAsIterable()) {
            tags.add(Tag.of(t.getKey().replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT), t.getValue()));
        }
        return id.replaceTags(tags);
    }

    public static TelemetryRegistry create(String component, String node) {
        return create(component, node, true);
    }

    /** As {@link #create(String, String)}; {@code jvmBinders=false} leaves out JVM/process meters (smaller scrapes in tests). */
    public static TelemetryRegistry create(String component, String node, boolean jvmBinders) {
        if (component == null || component.isBlank()) {
            throw new IllegalArgumentException("telemetry component name must not be empty");
        }
        var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config()
                .meterFilter(MeterFilter.commonTags(List.of(
                        Tag.of("component", component), Tag.of("node", node == null ? "" : node))))
                // promtool lints two ProcessorMetrics names: a "_count" gauge and a counter in "ns".
                .meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")))
                .meterFilter(new MeterFilter() {
                    @Override
                    public Meter.Id map(Meter.Id id) {
                        if (id.getName().equals("system.cpu.count")) {
                            return id.withName("system.cpus");
                        }
                        Meter.Id named = id.getName().startsWith(GRPC_PREFIX) ? id.withName("gantry." + id.getName()) : id;
                        return snakeCaseTags(named);
                    }
                });
        JvmGcMetrics gc = null;
        if (jvmBinders) {
            new JvmMemoryMetrics().bindTo(registry);
            new JvmThreadMetrics().bindTo(registry);
            new ClassLoaderMetrics().bindTo(registry);
            new ProcessorMetrics().bindTo(registry);
            processCpuSeconds(registry);
            new UptimeMetrics().bindTo(registry);
            new FileDescriptorMetrics().bindTo(registry);
            gc = new JvmGcMetrics();
            gc.bindTo(registry);
        }
        return new TelemetryRegistry(registry, gc);
    }

    /** process_cpu_seconds_total, the name Prometheus' own clients use (micrometer's is in nanoseconds). */
    private static void processCpuSeconds(PrometheusMeterRegistry registry) {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            FunctionCounter.builder("process.cpu", os, o -> o.getProcessCpuTime() / 1e9)
                    .baseUnit("seconds")
                    .description("CPU time used by the process")
                    .register(registry);
        }
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        if (gcMetrics != null) {
            gcMetrics.close();
        }
        registry.close();
    }
}
