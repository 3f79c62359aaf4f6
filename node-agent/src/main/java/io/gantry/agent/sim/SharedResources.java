package io.gantry.agent.sim;

import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.netty.NettyChannelBuilder;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What many hollow agents in one JVM share instead of owning: one timer thread, a small worker pool on
 * which each agent's serialized work runs, and a few gRPC channels per scheduler address (each agent's
 * stream is one HTTP/2 stream on one of them). Agents do not close it; its owner does, after them.
 */
public final class SharedResources implements AutoCloseable {
    private final ScheduledThreadPoolExecutor timer;
    private final ForkJoinPool workers;
    private final ExecutorService logWorkers = Executors.newVirtualThreadPerTaskExecutor();
    private final int channelsPerAddress;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final AtomicInteger nextSlot = new AtomicInteger();

    /**
     * @param workerThreads      platform threads running all agents' work (reconciling, sending, gRPC callbacks)
     * @param channelsPerAddress gRPC connections per scheduler address, agents spread over them
     */
    public SharedResources(int workerThreads, int channelsPerAddress) {
        if (workerThreads < 1 || channelsPerAddress < 1) {
            throw new IllegalArgumentException("worker threads and channels per address must be at least 1");
        }
        this.channelsPerAddress = channelsPerAddress;
        this.timer = new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().daemon().name("gantry-hollow-timer").factory());
        timer.setRemoveOnCancelPolicy(true); // thousands of cancelled heartbeats must not pile up in the queue
        AtomicInteger n = new AtomicInteger();
        this.workers = new ForkJoinPool(workerThreads, pool -> {
            var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
            t.setName("gantry-hollow-worker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }, null, true);
    }

    /** Two worker threads and two channels per address: enough for 5,000 hollow agents on two cores. */
    public static SharedResources defaults() {
        return new SharedResources(2, 2);
    }

    public ScheduledExecutorService timer() {
        return timer;
    }

    /** A new per-agent executor: serial, in order, running on the shared workers. */
    public ExecutorService serialExecutor() {
        return new SerialExecutor(workers);
    }

    public ExecutorService logWorkers() {
        return logWorkers;
    }

    /** The slot an agent keeps for its whole life, so its reconnects land on the same connection. */
    public int nextSlot() {
        return Math.floorMod(nextSlot.getAndIncrement(), channelsPerAddress);
    }

    /** The shared channel for {@code address} ({@code host:port} or {@code inprocess:NAME}) in {@code slot}. */
    public ManagedChannel channel(String address, int slot) {
        return channels.computeIfAbsent(address + "#" + Math.floorMod(slot, channelsPerAddress), k -> {
            if (address.startsWith("inprocess:")) {
                return InProcessChannelBuilder.forName(address.substring("inprocess:".length())).executor(workers).build();
            }
            return NettyChannelBuilder.forTarget(address).usePlaintext().executor(workers).build();
        });
    }

    @Override
    public void close() {
        channels.values().forEach(ManagedChannel::shutdownNow);
        for (ManagedChannel c : channels.values()) {
            try {
                c.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        timer.shutdownNow();
        logWorkers.shutdownNow();
        workers.shutdownNow();
    }
}
