package io.gantry.agent.reconcile;

import io.gantry.proto.ContainerState;

/** What the reconciler knows about a container on this node. */
public record LocalContainer(String id, ContainerState state, long placementVersion, boolean stopRequested) {
    public boolean active() {
        return switch (state) {
            case PENDING, PULLING, STARTING, RUNNING, PAUSED -> true;
            default -> false;
        };
    }
}
