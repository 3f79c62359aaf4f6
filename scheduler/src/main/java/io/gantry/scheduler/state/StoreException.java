package io.gantry.scheduler.state;

/** ZooKeeper could not be read or written (connection loss, unexpected node layout...). */
public final class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
