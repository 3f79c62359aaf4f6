package io.gantry.scheduler.placement;

/**
 * Why one node cannot take a workload. {@code category} groups identical reasons in the summary
 * (e.g. "insufficient memory"); {@code detail} is node specific (e.g. "512 MiB free, 1 GiB asked"), may be empty.
 */
public record Rejection(String node, String category, String detail) {
    public Rejection {
        detail = detail == null ? "" : detail;
    }

    /** e.g. {@code insufficient memory (512 MiB free, 1 GiB asked)}. */
    public String reason() {
        return detail.isEmpty() ? category : category + " (" + detail + ")";
    }
}
