package io.gantry.ctl.cmd;

import io.gantry.ctl.cli.Durations;
import io.gantry.proto.UpdateConfig;
import picocli.CommandLine.Option;

import java.util.Locale;

/** How a service rolls out a new template; for {@code service create} and {@code service update}. */
public final class UpdateConfigFlags {
    @Option(names = "--update-parallelism", paramLabel = "N", description = "Replicas replaced at a time (default 1)")
    Integer parallelism;

    @Option(names = "--update-delay", paramLabel = "DURATION", description = "Pause between batches, e.g. 10s (default 0s)")
    String delay;

    @Option(names = "--update-monitor", paramLabel = "DURATION", description = "How long a new replica must keep running to count as healthy (default 5s)")
    String monitor;

    @Option(names = "--update-failure-action", paramLabel = "ACTION", description = "rollback | pause | continue, when a new replica fails (default rollback)")
    String failureAction;

    boolean anyGiven() {
        return parallelism != null || delay != null || monitor != null || failureAction != null;
    }

    /** Sets what was given on {@code config}; IllegalArgumentException with one line on a bad value. */
    void applyTo(UpdateConfig.Builder config) {
        if (parallelism != null) {
            if (parallelism < 1) {
                throw new IllegalArgumentException("invalid argument \"" + parallelism + "\" for \"--update-parallelism\": must be at least 1");
            }
            config.setParallelism(parallelism);
        }
        if (delay != null) {
            config.setDelayMs(Durations.parse("--update-delay", delay).toMillis());
        }
        if (monitor != null) {
            long ms = Durations.parse("--update-monitor", monitor).toMillis();
            if (ms <= 0) {
                // 0 on the wire means "the default"; refuse it rather than silently give 5s
                throw new IllegalArgumentException("invalid argument \"" + monitor + "\" for \"--update-monitor\": must be greater than 0");
            }
            config.setMonitorMs(ms);
        }
        if (failureAction != null) {
            config.setFailureAction(failureAction(failureAction));
        }
    }

    static UpdateConfig.FailureAction failureAction(String value) {
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "rollback" -> UpdateConfig.FailureAction.ROLLBACK;
            case "pause" -> UpdateConfig.FailureAction.PAUSE;
            case "continue" -> UpdateConfig.FailureAction.CONTINUE;
            default -> throw new IllegalArgumentException("invalid argument \"" + value
                    + "\" for \"--update-failure-action\": use rollback, pause or continue");
        };
    }
}
