package io.gantry.telemetry;

/** The answer of a readiness check: {@code /readyz} returns 200 "ready" or 503 with the one-line reason. */
public record Readiness(boolean ready, String reason) {
    public Readiness {
        reason = reason == null ? "" : reason.replace('\n', ' ').replace('\r', ' ');
    }

    public static Readiness isReady() {
        return new Readiness(true, "ready");
    }

    public static Readiness notReady(String reason) {
        return new Readiness(false, reason);
    }
}
