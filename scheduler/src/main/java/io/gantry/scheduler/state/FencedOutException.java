package io.gantry.scheduler.state;

/** A write was refused because another scheduler has taken over since this one became leader. */
public final class FencedOutException extends RuntimeException {
    public FencedOutException(String message, Throwable cause) {
        super(message, cause);
    }
}
