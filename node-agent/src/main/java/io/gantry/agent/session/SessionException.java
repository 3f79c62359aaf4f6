package io.gantry.agent.session;

import io.grpc.Status;

/** A session that fails with a one-line message for the user and a gRPC status code. */
public final class SessionException extends Exception {
    private final Status.Code code;
    private final int exitCode;

    public SessionException(Status.Code code, String message) {
        this(code, message, 0);
    }

    /** With the exit code the CLI should end with, e.g. 126/127 when exec could not start its command (as Docker). */
    public SessionException(Status.Code code, String message, int exitCode) {
        super(message);
        this.code = code;
        this.exitCode = exitCode;
    }

    public Status.Code code() {
        return code;
    }

    public int exitCode() {
        return exitCode;
    }

    public static SessionException notFound(String message) {
        return new SessionException(Status.Code.NOT_FOUND, message);
    }

    public static SessionException precondition(String message) {
        return new SessionException(Status.Code.FAILED_PRECONDITION, message);
    }

    public static SessionException invalid(String message) {
        return new SessionException(Status.Code.INVALID_ARGUMENT, message);
    }
}
