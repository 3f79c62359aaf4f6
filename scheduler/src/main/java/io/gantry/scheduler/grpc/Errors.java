package io.gantry.scheduler.grpc;

import io.gantry.scheduler.state.FencedOutException;
import io.gantry.scheduler.state.StoreException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Maps what the core throws onto gRPC statuses with one-line descriptions. */
final class Errors {
    private static final Logger log = LoggerFactory.getLogger(Errors.class);

    private Errors() {}

    static StatusRuntimeException toStatus(Throwable t) {
        if (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return switch (t) {
            case StatusRuntimeException e -> e;
            case FencedOutException e -> Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException();
            case StoreException e -> Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException();
            case IllegalArgumentException e -> Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
            default -> {
                log.error("internal error", t);
                yield Status.INTERNAL.withDescription("internal error: " + t).asRuntimeException();
            }
        };
    }
}
