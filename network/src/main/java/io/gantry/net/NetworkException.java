package io.gantry.net;

/** A networking failure or bad input; the message is one line meant for the end user. */
public class NetworkException extends RuntimeException {
    public NetworkException(String message) {
        super(oneLine(message));
    }

    public NetworkException(String message, Throwable cause) {
        super(oneLine(message), cause);
    }

    static String oneLine(String s) {
        return s == null ? "" : s.strip().replaceAll("\\s*\\R\\s*", "; ");
    }
}
