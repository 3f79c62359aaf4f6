package io.gantry.agent.spec;

/** The workload cannot be turned into a runnable OCI spec; the message is one line for the user. */
public class SpecException extends Exception {
    public SpecException(String message) {
        super(message);
    }
}
