package io.gantry.agent.runtime;

import io.gantry.proto.RestartPolicy;
import java.time.Duration;
import java.util.Optional;

/** Docker's restart rules as a pure function: whether, and after what back-off, to restart an exited container. */
public final class RestartDecider {
    public static final Duration FIRST_DELAY = Duration.ofMillis(100);
    public static final Duration MAX_DELAY = Duration.ofSeconds(10);

    private RestartDecider() {
    }

    /**
     * @param restartsSoFar restarts already done for this container
     * @param userStopped   the user (or scheduler) stopped it: never restart then
     */
    public static Optional<Duration> next(RestartPolicy policy, int exitCode, int restartsSoFar, boolean userStopped) {
        if (userStopped) {
            return Optional.empty();
        }
        boolean restart = switch (policy.getMode()) {
            case NO, UNRECOGNIZED -> false;
            case ON_FAILURE -> exitCode != 0 && (policy.getMaxRetries() <= 0 || restartsSoFar < policy.getMaxRetries());
            case ALWAYS, UNLESS_STOPPED -> true;
        };
        if (!restart) {
            return Optional.empty();
        }
        long factor = 1L << Math.min(restartsSoFar, 20);
        Duration delay = FIRST_DELAY.multipliedBy(factor);
        return Optional.of(delay.compareTo(MAX_DELAY) > 0 ? MAX_DELAY : delay);
    }
}
