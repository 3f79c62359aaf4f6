package io.gantry.agent.health;

/**
 * One run of a health probe: its exit code and (truncated) output; a probe that ran out of time is a failure
 * whatever its exit code.
 */
public record ProbeResult(int exitCode, String output, boolean timedOut) {
    /** Docker keeps at most this much of a probe's output. */
    public static final int MAX_OUTPUT_BYTES = 4096;

    public ProbeResult {
        output = output == null ? "" : output;
    }

    public boolean ok() {
        return !timedOut && exitCode == 0;
    }

    public static ProbeResult timeout(long timeoutMillis, String output) {
        String note = "health check timed out after " + timeoutMillis + " ms";
        return new ProbeResult(-1, output == null || output.isEmpty() ? note : output + "\n" + note, true);
    }
}
