package io.gantry.ctl.cmd;

import io.gantry.ctl.cli.CliException;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.proto.InspectServiceRequest;
import io.gantry.proto.Service;
import io.gantry.proto.UpdateStatus;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/** What the {@code service} subcommands share: looking a service up, and naming its states. */
final class Services {
    private Services() {
    }

    static Service inspect(SchedulerClient client, String ref) {
        try {
            return client.call(s -> s.inspectService(InspectServiceRequest.newBuilder().setRef(ref).build()));
        } catch (StatusRuntimeException e) {
            throw new CliException(describe(e, "service", ref), 1);
        }
    }

    /** The server's line, or Docker's {@code no such service: X} when a NOT_FOUND came without one. */
    static String describe(StatusRuntimeException e, String kind, String ref) {
        String d = e.getStatus().getDescription();
        if (e.getStatus().getCode() == Status.Code.NOT_FOUND && (d == null || d.isBlank())) {
            return "no such " + kind + ": " + ref;
        }
        return SchedulerClient.describe(e);
    }

    /** {@code rolling back}, {@code paused}, ...; empty for NONE. */
    static String updateState(UpdateStatus.State state) {
        return state == UpdateStatus.State.NONE || state == UpdateStatus.State.UNRECOGNIZED
                ? "" : state.name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }

    /** The UPDATE column of {@code service ls}: state, and the message when it went wrong. */
    static String updateColumn(UpdateStatus u) {
        String state = updateState(u.getState());
        if (state.isEmpty()) {
            return "";
        }
        boolean troubled = u.getState() == UpdateStatus.State.PAUSED || u.getState() == UpdateStatus.State.ROLLED_BACK
                || u.getState() == UpdateStatus.State.ROLLING_BACK;
        // "rollback completed" only restates the state; a reason is worth the width
        boolean says = !u.getMessage().isEmpty() && !u.getMessage().equals("rollback completed");
        if (!troubled || !says) {
            return state;
        }
        String why = u.getMessage();
        for (String restated : new String[] {"update rolled back: ", "update paused: "}) {
            if (why.startsWith(restated)) {
                why = why.substring(restated.length());
            }
        }
        return state + ": " + why;
    }

    static String displayName(Service s) {
        return s.getSpec().getName().isEmpty() ? s.getId() : s.getSpec().getName();
    }

    /**
     * Like {@code docker service rm a b c}: every target is tried; one failure is the error
     * line, several are each printed and summed up.
     */
    static int reportFailures(List<String> errors, int tried, PrintWriter err) {
        if (errors.isEmpty()) {
            return 0;
        }
        if (errors.size() == 1) {
            throw new CliException(errors.getFirst(), 1);
        }
        errors.forEach(e -> err.println("gantry: " + e));
        err.flush();
        throw new CliException(errors.size() + " of " + tried + " failed", 1);
    }
}
