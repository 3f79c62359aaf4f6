package io.gantry.agent.runtime;

/** runc could not create the container; the message is runc's reason in one line. */
public class CreateException extends Exception {
    private final int exitCode;

    public CreateException(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    /** Docker's convention: 127 command not found, 126 not executable, 125 anything else. */
    public int exitCode() {
        return exitCode;
    }
}
