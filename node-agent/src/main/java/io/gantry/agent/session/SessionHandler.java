package io.gantry.agent.session;

/**
 * One session's work, run on its own thread: reads the CLI's frames from the context, sends its own, and
 * returns the exit code (or throws a {@link SessionException}). The router sends the one SessionExit.
 */
@FunctionalInterface
public interface SessionHandler {
    int run(SessionContext session) throws Exception;
}
