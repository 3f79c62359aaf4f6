package io.gantry.ctl.cmd;

import io.gantry.ctl.Main;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.ctl.cli.Timestamps;
import io.gantry.proto.LogsRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.util.concurrent.Callable;

/** {@code gantry logs}: a container's output, wherever in the cluster it runs. */
@Command(name = "logs", description = "Fetch the logs of a container.")
public final class LogsCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = {"-f", "--follow"}, description = "Follow log output until the container exits")
    boolean follow;

    @Option(names = {"-n", "--tail"}, paramLabel = "N", description = "Number of lines to show from the end (default: all)")
    String tail = "all";

    @Option(names = {"-t", "--timestamps"}, description = "Show timestamps")
    boolean timestamps;

    @Option(names = "--since", paramLabel = "TIME", description = "Only entries since TIME: 2026-11-22T15:04:05Z, Unix seconds, or a duration before now (10m)")
    String since;

    @Option(names = "--until", paramLabel = "TIME", description = "Only entries before TIME (same forms as --since)")
    String until;

    @Parameters(paramLabel = "CONTAINER")
    String ref;

    @Override
    public Integer call() {
        int lines = parseTail(tail);
        var now = java.time.Instant.now();
        long sinceNanos = since == null ? 0 : Timestamps.parseNanos("--since", since, now);
        long untilNanos = until == null ? 0 : Timestamps.parseNanos("--until", until, now);
        try (SchedulerClient client = main.connect()) {
            LogPrinter.stream(client, LogsRequest.newBuilder().setRef(ref).setFollow(follow).setTail(lines)
                    .setSinceNanos(sinceNanos).setUntilNanos(untilNanos).build(), timestamps);
        }
        return 0;
    }

    /** {@code --tail}: a count, or {@code all} (-1 on the wire). */
    static int parseTail(String tail) {
        if (tail.equals("all")) {
            return -1;
        }
        try {
            int lines = Integer.parseInt(tail);
            if (lines < 0) {
                throw new NumberFormatException();
            }
            return lines;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid argument \"" + tail + "\" for \"--tail\": expected a number or \"all\"");
        }
    }
}
