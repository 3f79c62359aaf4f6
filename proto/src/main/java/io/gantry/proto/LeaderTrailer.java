package io.gantry.proto;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import java.util.Optional;

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

    /** How a follower's description names the leader, for clients that lost the trailer on the way. */
    public static final String REDIRECT_PREFIX = "not the leader; leader is ";

    private LeaderTrailer() {
    }

    /** The leader's HOST:PORT if {@code t} is a follower's redirect (trailer first, then the description). */
    public static Optional<String> leaderFrom(Throwable t) {
        Status status = Status.fromThrowable(t);
        if (status.getCode() != Status.Code.FAILED_PRECONDITION) {
            return Optional.empty();
        }
        Metadata trailers = Status.trailersFromThrowable(t);
        String leader = trailers == null ? null : trailers.get(KEY);
        if (leader != null && !leader.isBlank()) {
            return Optional.of(leader.trim());
        }
        String description = status.getDescription();
        if (description != null && description.startsWith(REDIRECT_PREFIX)) {
            return Optional.of(description.substring(REDIRECT_PREFIX.length()).trim());
        }
        return Optional.empty();
    }
}
