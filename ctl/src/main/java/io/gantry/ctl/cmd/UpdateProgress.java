package io.gantry.ctl.cmd;

import io.gantry.ctl.cli.CliException;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.proto.ContainerState;
import io.gantry.proto.DesiredState;
import io.gantry.proto.Service;
import io.gantry.proto.UpdateStatus;
import io.gantry.proto.Workload;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;

/**
 * Follows a rolling update by polling the service until its update status settles
 * (COMPLETED, ROLLED_BACK or PAUSED), printing a line whenever the progress changes.
 */
final class UpdateProgress {
    /** A scheduler may record the update's start just after it answered; wait this long for it. */
    private static final Duration START_GRACE = Duration.ofSeconds(5);

    private final SchedulerClient client;
    private final PrintWriter out;
    private final Duration interval;

    UpdateProgress(SchedulerClient client, PrintWriter out, Duration interval) {
        this.client = client;
        this.out = out;
        this.interval = interval;
    }

    /**
     * Returns 0 once the update converged; throws a one-line CliException (exit 1) when it was
     * rolled back or paused. With {@code rollback}, rolled back is what was asked for.
     */
    int follow(Service before, Service after, boolean rollback) throws InterruptedException {
        String name = Services.displayName(after);
        Service current = after;
        long graceEnd = System.nanoTime() + START_GRACE.toNanos();
        while (!startedSince(before, current)) {
            if (System.nanoTime() > graceEnd) {
                out.println("the scheduler reported no rolling update; see 'gantry service ps " + name + "'");
                out.flush();
                return 0;
            }
            Thread.sleep(interval);
            current = Services.inspect(client, after.getId());
        }
        String last = null;
        String cause = null; // why a rollback began: the final status only says "rollback completed"
        while (true) {
            UpdateStatus u = current.getUpdateStatus();
            if (u.getState() == UpdateStatus.State.ROLLING_BACK && !u.getMessage().isEmpty()) {
                cause = u.getMessage();
            }
            if (u.getState() == UpdateStatus.State.UPDATING || u.getState() == UpdateStatus.State.ROLLING_BACK) {
                String line = progressLine(current, ServicePsCommand.replicas(client, current, false));
                if (!line.equals(last)) {
                    out.println(line);
                    out.flush();
                    last = line;
                }
            }
            switch (u.getState()) {
                case COMPLETED, NONE -> {
                    return converged();
                }
                case ROLLED_BACK -> {
                    if (rollback) {
                        return converged();
                    }
                    String why = cause != null ? cause : u.getMessage().isEmpty() ? "update rolled back" : u.getMessage();
                    throw new CliException("service " + name + ": " + (why.startsWith("update rolled back") ? why : "update rolled back: " + why), 1);
                }
                case PAUSED -> {
                    String why = u.getMessage().isEmpty() ? "update paused" : u.getMessage();
                    throw new CliException("service " + name + ": " + (why.contains("paused") ? why : "update paused: " + why), 1);
                }
                default -> {
                    // UPDATING, ROLLING_BACK: keep watching
                }
            }
            Thread.sleep(interval);
            try {
                current = Services.inspect(client, after.getId());
            } catch (CliException e) {
                throw new CliException("service " + name + " went away during the update: " + e.getMessage(), 1);
            }
        }
    }

    private int converged() {
        out.println("verify: service converged");
        out.flush();
        return 0;
    }

    /** Whether {@code current} shows an update begun after {@code before} was read. */
    static boolean startedSince(Service before, Service current) {
        UpdateStatus was = before.getUpdateStatus();
        UpdateStatus now = current.getUpdateStatus();
        return now.getState() == UpdateStatus.State.UPDATING
                || now.getState() == UpdateStatus.State.ROLLING_BACK
                || now.getStartedAtMs() != was.getStartedAtMs()
                || now.getState() != was.getState();
    }

    /** {@code updating: 1/3 replicas updated}; while rolling back, with the scheduler's reason. */
    static String progressLine(Service s, List<Workload> replicas) {
        long done = replicas.stream()
                .filter(w -> w.getServiceVersion() == s.getVersion()
                        && w.getDesired() == DesiredState.DESIRED_RUNNING
                        && w.getState() == ContainerState.RUNNING)
                .count();
        UpdateStatus u = s.getUpdateStatus();
        int total = s.getSpec().getReplicas();
        if (u.getState() == UpdateStatus.State.ROLLING_BACK) {
            // the message says why (e.g. "update rolled back: replica web.2 failed: ...")
            return "rolling back: " + Math.min(done, total) + "/" + total + " replicas on the previous spec"
                    + (u.getMessage().isEmpty() ? "" : " (" + u.getMessage() + ")");
        }
        return "updating: " + Math.min(done, total) + "/" + total + " replicas updated";
    }
}
