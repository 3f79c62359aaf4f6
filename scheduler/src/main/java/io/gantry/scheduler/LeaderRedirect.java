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
    private static final String PREFIX = "not the leader; leader is ";

    private LeaderRedirect() {}

    /** The leader's HOST:PORT if {@code e} is a follower's redirect. */
    public static Optional<String> leaderFrom(StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.FAILED_PRECONDITION) {
            return Optional.empty();
        }
        var trailers = e.getTrailers();
        if (trailers != null) {
            String leader = trailers.get(LEADER_KEY);
            if (leader != null && !leader.isBlank()) {
                return Optional.of(leader);
            }
        }
        String description = e.getStatus().getDescription();
        if (description != null && description.startsWith(PREFIX)) {
            return Optional.of(description.substring(PREFIX.length()).trim());
        }
        return Optional.empty();
    }

    static StatusRuntimeException redirect(String leader) {
        var trailers = new Metadata();
        trailers.put(LEADER_KEY, leader);
        return Status.FAILED_PRECONDITION.withDescription(PREFIX + leader).asRuntimeException(trailers);
    }
}
