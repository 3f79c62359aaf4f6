package io.gantry.agent.runtime;

import io.gantry.proto.Assignment;
import io.gantry.proto.ContainerState;
import io.gantry.proto.ContainerStatus;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/** One container's mutable state; fields are guarded by {@code this}, operations serialized by {@link #opLock}. */
final class Container {
    final ContainerPaths paths;
    /** Serializes start/stop/remove/restart of this container, in arrival order. */
    final ReentrantLock opLock = new ReentrantLock(true);

    Assignment assignment;
    ContainerState state = ContainerState.PENDING;
    int exitCode;
    String reason = "";
    long startedAtMs;
    long finishedAtMs;
    String imageDigest = "";
    boolean oomKilled;
    int restartCount;
    boolean userStopped;
    boolean removed;
    boolean restartPending;
    String stopSignal = "";
    /** Its health check (the spec's merged over the image's), resolved at the first start; null: none or not yet. */
    io.gantry.agent.health.HealthCheckSpec healthCheck;
    io.gantry.agent.health.HealthSnapshot health = io.gantry.agent.health.HealthSnapshot.NONE;
    /** Set when its health check's on-failure RESTART stopped it: the exit restarts it whatever the restart policy. */
    boolean healthRestart;
    /** A replacement (start/restart of the same workload) follows the removal: keep the log files. */
    boolean keepLogs;
    List<Path> layerDirs = List.of();
    String cgroupsPath = "";
    /** agentnet: host ports as published (chosen ones filled in) and the address on the node bridge. */
    List<io.gantry.proto.PortMapping> publishedPorts = List.of();
    String bridgeIp = "";
    /** Failed removal attempts so far: the back-off before the next one grows with it. */
    int removeAttempts;
    /**
     * Completes once the container is really gone (REMOVED reported), however many attempts it took;
     * completes exceptionally when the runtime closed while removal still failed (a later remove starts over).
     */
    java.util.concurrent.CompletableFuture<Void> removal = new java.util.concurrent.CompletableFuture<>();

    Container(ContainerPaths paths, Assignment assignment) {
        this.paths = paths;
        this.assignment = assignment;
    }

    String id() {
        return paths.id();
    }

    synchronized boolean isLive() {
        return state == ContainerState.RUNNING || state == ContainerState.STOPPING || state == ContainerState.PAUSED;
    }

    /** Still producing output or about to: log followers keep waiting. */
    synchronized boolean isActive() {
        return !removed && (restartPending || switch (state) {
            case PENDING, PULLING, STARTING, RUNNING, STOPPING, PAUSED -> true;
            default -> false;
        });
    }

    synchronized ContainerStatus status() {
        return ContainerStatus.newBuilder()
                .setWorkloadId(id())
                .setState(state)
                .setExitCode(exitCode)
                .setReason(reason == null ? "" : reason)
                .setStartedAtMs(startedAtMs)
                .setFinishedAtMs(finishedAtMs)
                .setImageDigest(imageDigest == null ? "" : imageDigest)
                .setOomKilled(oomKilled)
                .setPlacementVersion(assignment.getPlacementVersion())
                .setRestartCount(restartCount)
                .setHealth(health.status())
                .setHealthFailingStreak(health.failingStreak())
                .setHealthOutput(health.lastOutput())
                .addAllPublishedPorts(publishedPorts) // agentnet
                .setBridgeIp(bridgeIp == null ? "" : bridgeIp)
                .build();
    }
}
