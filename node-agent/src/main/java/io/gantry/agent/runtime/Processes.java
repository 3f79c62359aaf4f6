package io.gantry.agent.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Process liveness as the kernel sees it. */
final class Processes {
    private Processes() {
    }

    /**
     * Whether {@code pid} is still running. A zombie is not: conmon is re-parented to
     * PID 1 when it daemonizes, and PID 1 may take its time to reap it, while
     * {@link ProcessHandle#isAlive()} counts a zombie as alive.
     */
    static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // "pid (comm) S ...": comm may contain spaces and parentheses, the state follows the last ')'
            int close = stat.lastIndexOf(')');
            char state = close > 0 && close + 2 < stat.length() ? stat.charAt(close + 2) : 'X';
            return state != 'Z' && state != 'X';
        } catch (IOException e) {
            return false;
        }
    }
}
