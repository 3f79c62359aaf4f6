package io.gantry.proto;

import io.grpc.Metadata;

/**
 * Part of the contract that a .proto file cannot say: a follower scheduler fails calls
 * with FAILED_PRECONDITION and names the leader ({@code host:port}) in this trailer, so
 * that the CLI and agents can go there.
 */
public final class LeaderTrailer {
    public static final Metadata.Key<String> KEY = Metadata.Key.of("gantry-leader", Metadata.ASCII_STRING_MARSHALLER);

    /**
     * While no scheduler leads (one is taking over, or the old leader's ZooKeeper session
     * has not expired yet), calls fail with UNAVAILABLE and a description ending in this;
     * clients wait and retry.
     */
    public static final String LEADER_PENDING_SUFFIX = "; retry shortly";

    private LeaderTrailer() {
    }
}
