package io.gantry.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Metadata;
import io.grpc.Status;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LeaderRedirectTest {
    @Test
    void readsTheTrailerOrTheDescription() {
        var e = LeaderRedirect.redirect("127.0.0.1:7071");
        assertEquals("not the leader; leader is 127.0.0.1:7071", e.getStatus().getDescription());
        assertEquals(Optional.of("127.0.0.1:7071"), LeaderRedirect.leaderFrom(e));
        var noTrailer = Status.FAILED_PRECONDITION.withDescription("not the leader; leader is 10.0.0.1:1").asRuntimeException(new Metadata());
        assertEquals(Optional.of("10.0.0.1:1"), LeaderRedirect.leaderFrom(noTrailer));
    }

    @Test
    void otherErrorsAreNotRedirects() {
        assertTrue(LeaderRedirect.leaderFrom(Status.UNAVAILABLE.withDescription("no scheduler is leader yet").asRuntimeException()).isEmpty());
        assertTrue(LeaderRedirect.leaderFrom(Status.FAILED_PRECONDITION.withDescription("container x is running: stop it first or use rm -f")
                .asRuntimeException()).isEmpty());
    }
}
