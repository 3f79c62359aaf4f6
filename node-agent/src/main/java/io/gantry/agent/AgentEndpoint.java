package io.gantry.agent;

import io.gantry.telemetry.AgentMetrics;
import io.gantry.telemetry.CgroupStats;
import io.gantry.telemetry.Readiness;
import io.gantry.telemetry.TelemetryRegistry;
import io.gantry.telemetry.TelemetryServer;
import java.time.Clock;
import java.util.Optional;

/**
 * A node agent's metrics and health endpoint: {@code /metrics} (the agent's own counters and cAdvisor-named
 * series for every running container, read from their cgroups at scrape time), {@code /healthz}, and
 * {@code /readyz} (ready while registered with the leader). Create it before the agent (the agent counts into
 * its {@link #metrics()}), then {@link #serve} once the agent exists.
 */
public final class AgentEndpoint implements AutoCloseable {
    private final TelemetryRegistry telemetry;
    private final AgentMetrics metrics;
    private TelemetryServer http;

    private AgentEndpoint(TelemetryRegistry telemetry) {
        this.telemetry = telemetry;
        this.metrics = new AgentMetrics(telemetry.registry());
    }

    public static AgentEndpoint create(String nodeName) {
        return new AgentEndpoint(TelemetryRegistry.create("agent", nodeName));
    }

    public AgentMetrics metrics() {
        return metrics;
    }

    /** Collects {@code agent}'s containers and, unless {@code listen} is empty, serves HTTP there. */
    public AgentEndpoint serve(NodeAgent agent, String listen, Clock clock) {
        metrics.registerContainerCollector(agent::containerDescriptors, CgroupStats.detect(clock));
        if (!listen.isEmpty()) {
            http = TelemetryServer.builder(telemetry.registry()).bind(listen)
                    .readiness(() -> agent.isRegistered() ? Readiness.isReady()
                            : Readiness.notReady("not registered with a scheduler"))
                    .start();
            agent.announceMetrics(address().orElse(""));
        }
        return this;
    }

    /** HOST:PORT of the endpoint, when served. */
    public Optional<String> address() {
        return http == null ? Optional.empty() : Optional.of(http.address().getHostString() + ":" + http.address().getPort());
    }

    @Override
    public void close() {
        if (http != null) {
            http.close();
        }
        telemetry.close();
    }
}
