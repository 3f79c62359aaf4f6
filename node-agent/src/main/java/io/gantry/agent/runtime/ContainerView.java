package io.gantry.agent.runtime;

import io.gantry.proto.ContainerState;
import io.gantry.proto.WorkloadSpec;

/** A read-only snapshot of one container, for node sessions (exec, attach, cp, top, stats, volumes). */
public record ContainerView(String id, String name, ContainerState state, long startedAtMs, long placementVersion, WorkloadSpec spec,
                            ContainerPaths paths, String cgroupsPath, int exitCode, String imageDigest) {
    public boolean running() {
        return state == ContainerState.RUNNING;
    }

    /** The rootfs is mounted and runc knows the container. */
    public boolean live() {
        return state == ContainerState.RUNNING || state == ContainerState.PAUSED || state == ContainerState.STOPPING;
    }
}
