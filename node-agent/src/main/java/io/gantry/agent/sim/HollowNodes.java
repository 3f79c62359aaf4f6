package io.gantry.agent.sim;

import io.gantry.agent.AgentConfig;
import io.gantry.agent.NodeAgent;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Many hollow agents in one JVM on one {@link SharedResources}: node {@code i} (1-based) is named
 * {@code PREFIX-00001}... and labelled {@code hollow=true} and {@code zone=zone-(i mod zones)}.
 */
public final class HollowNodes implements AutoCloseable {
    private final SharedResources shared;
    private final List<NodeAgent> agents;

    private HollowNodes(SharedResources shared, List<NodeAgent> agents) {
        this.shared = shared;
        this.agents = agents;
    }

    /**
     * Starts {@code count} hollow agents (they connect and register asynchronously).
     *
     * @param zones how many distinct {@code zone} label values to spread the nodes over (at least 1)
     */
    public static HollowNodes start(List<String> schedulers, int count, String namePrefix, int zones, SimSettings sim,
                                    SharedResources shared, Clock clock) {
        if (count < 1) {
            throw new IllegalArgumentException("the number of hollow nodes must be at least 1, got " + count);
        }
        if (zones < 1) {
            throw new IllegalArgumentException("zones must be at least 1, got " + zones);
        }
        List<NodeAgent> agents = new ArrayList<>(count);
        int width = Math.max(5, Integer.toString(count).length());
        for (int i = 1; i <= count; i++) {
            String name = namePrefix + "-" + String.format("%0" + width + "d", i);
            AgentConfig config = AgentConfig.defaults(schedulers, name, Path.of("/nonexistent/hollow", name))
                    .withLabels(Map.of("hollow", "true", "zone", "zone-" + (i % zones)));
            NodeAgent agent = NodeAgent.simulated(config, sim, clock, shared);
            agents.add(agent);
            agent.start();
        }
        return new HollowNodes(shared, agents);
    }

    public List<NodeAgent> agents() {
        return Collections.unmodifiableList(agents);
    }

    /** Waits until every agent got its Registered; returns how many did. */
    public int awaitRegistered(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int done = 0;
        for (NodeAgent a : agents) {
            long left = Math.max(0, deadline - System.nanoTime());
            if (a.awaitRegistered(Duration.ofNanos(left))) {
                done++;
            }
        }
        return done;
    }

    /** Disconnects every agent (their simulated containers vanish), then releases the shared resources. */
    @Override
    public void close() {
        agents.parallelStream().forEach(NodeAgent::close);
        shared.close();
    }
}
