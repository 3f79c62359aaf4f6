package io.gantry.ctl.cmd;

import io.gantry.ctl.Main;
import io.gantry.ctl.cli.CliException;
import io.gantry.ctl.cli.SchedulerClient;
import io.grpc.StatusRuntimeException;

import java.util.List;
import java.util.function.BiConsumer;

/** Applies one action to several containers, as `docker stop a b c` does: all are tried, each failure is a line. */
final class ForEach {
    private ForEach() {
    }

    static int run(Main main, List<String> refs, BiConsumer<SchedulerClient, String> action) {
        int failures = 0;
        String lastError = null;
        try (SchedulerClient client = main.connect()) {
            for (String ref : refs) {
                try {
                    action.accept(client, ref);
                    System.out.println(ref);
                } catch (StatusRuntimeException e) {
                    failures++;
                    lastError = SchedulerClient.describe(e);
                    if (refs.size() > 1) {
                        System.err.println("gantry: " + lastError);
                    }
                }
            }
        }
        if (failures == 0) {
            return 0;
        }
        throw new CliException(refs.size() > 1 ? failures + " of " + refs.size() + " failed" : lastError, 1);
    }
}
