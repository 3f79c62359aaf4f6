package io.gantry.agent.sim;

import java.time.Duration;
import java.util.Objects;

/**
 * How a hollow node's simulated containers behave and what the node offers.
 *
 * @param startLatency       from receiving an assignment to RUNNING (PULLING at once, STARTING half-way)
 * @param cpuMillis          CPU the node registers with (1000 = one core)
 * @param memoryBytes        memory the node registers with
 * @param intermediateStates report PULLING and STARTING before RUNNING, as the real runtime does; when false
 *                           only RUNNING is reported (fewer status writes on the scheduler)
 */
public record SimSettings(Duration startLatency, long cpuMillis, long memoryBytes, boolean intermediateStates) {
    public static final Duration DEFAULT_START_LATENCY = Duration.ofMillis(50);
    public static final long DEFAULT_CPU_MILLIS = 32_000;
    public static final long DEFAULT_MEMORY_BYTES = 128L << 30;

    public SimSettings {
        Objects.requireNonNull(startLatency, "startLatency");
        if (startLatency.isNegative()) {
            throw new IllegalArgumentException("the simulated start latency must not be negative, got " + startLatency);
        }
        if (cpuMillis <= 0 || memoryBytes <= 0) {
            throw new IllegalArgumentException("a hollow node needs positive cpu and memory, got " + cpuMillis
                    + " millicores and " + memoryBytes + " bytes");
        }
    }

    /** 50 ms start latency, 32 cores, 128 GiB, all states reported. */
    public static SimSettings defaults() {
        return new SimSettings(DEFAULT_START_LATENCY, DEFAULT_CPU_MILLIS, DEFAULT_MEMORY_BYTES, true);
    }

    public SimSettings withStartLatency(Duration latency) {
        return new SimSettings(latency, cpuMillis, memoryBytes, intermediateStates);
    }

    public SimSettings withCapacity(long cpu, long memory) {
        return new SimSettings(startLatency, cpu, memory, intermediateStates);
    }

    public SimSettings withIntermediateStates(boolean report) {
        return new SimSettings(startLatency, cpuMillis, memoryBytes, report);
    }
}
