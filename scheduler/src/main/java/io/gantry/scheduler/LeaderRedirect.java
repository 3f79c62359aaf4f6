package io.gantry.scheduler;

import io.gantry.proto.LeaderTrailer;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Optional;

/**
 * How a follower names the leader: status FAILED_PRECONDITION, description
 * {@code not the leader; leader is HOST:PORT}, trailer {@code gantry-leader: HOST:PORT}.
 */
public final class LeaderRedirect {
    public static final Metadata.Key<String> LEADER_KEY = LeaderTrailer.KEY;

    private LeaderRedirect() {}

    /** The leader's HOST:PORT if {@code e} is a follower's redirect. */
    public static Optional<String> leaderFrom(StatusRuntimeException e) {
        return LeaderTrailer.leaderFrom(e);
    }

    /**
     * Whether {@code e} says that no scheduler leads yet (one is taking over, or the old
     * leader's session has not expired): UNAVAILABLE ending in
     * {@link LeaderTrailer#LEADER_PENDING_SUFFIX}. Clients wait and retry.
     */
    public static boolean leaderPending(StatusRuntimeException e) {
        String d = e.getStatus().getDescription();
        return e.getStatus().getCode() == Status.Code.UNAVAILABLE && d != null && d.endsWith(LeaderTrailer.LEADER_PENDING_SUFFIX);
    }

    static StatusRuntimeException redirect(String leader) {
        var trailers = new Metadata();
        trailers.put(LEADER_KEY, leader);
        return Status.FAILED_PRECONDITION.withDescription(LeaderTrailer.REDIRECT_PREFIX + leader).asRuntimeException(trailers);
    }
}
