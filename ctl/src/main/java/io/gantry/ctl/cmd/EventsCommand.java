package io.gantry.ctl.cmd;

import io.gantry.ctl.cli.CliException;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.ctl.cli.Timestamps;
import io.gantry.proto.Event;
import io.gantry.proto.EventsRequest;
import io.gantry.proto.ListServicesRequest;
import io.gantry.proto.LeaderTrailer;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * {@code gantry events}: the cluster's events from the leader, the remembered ones since {@code --since}, then live
 * ones until {@code --until} or Ctrl-C. When leadership moves the stream ends; this follows on at the new leader
 * from the last event seen (a new leader remembers only what happened in its own term).
 */
@Command(name = "events", description = {"Get real time events from the cluster.",
        "Filters: type=container|node|service|scheduler, event=ACTION, container=NAME|ID, node=NAME (repeatable;"
                + " values of one key are ORed, keys ANDed)."})
public final class EventsCommand implements java.util.concurrent.Callable<Integer> {
    static final Set<String> TYPES = Set.of("container", "node", "service", "scheduler");
    private static final long RECONNECT_PAUSE_MILLIS = 200;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--since", paramLabel = "TIME", description = "Show events since TIME: 2026-11-22T15:04:05Z, Unix seconds, or a duration before now (10m)")
    String since;

    @Option(names = "--until", paramLabel = "TIME", description = "Stream events until TIME (same forms as --since)")
    String until;

    @Option(names = {"-f", "--filter"}, paramLabel = "KEY=VALUE", description = "Filter output: type=, event=, container=, node=")
    List<String> filters = new ArrayList<>();

    @Option(names = "--format", paramLabel = "FORMAT", description = "json: one JSON object per line")
    String format;

    /** The wall clock: --since/--until durations and the end of a future --until. */
    Clock clock = Clock.systemUTC();

    /** The parsed {@code --filter}s: types go to the scheduler, the rest is matched here. */
    record Filters(Set<String> types, Set<String> actions, Set<String> containers, Set<String> nodes) implements Predicate<Event> {
        static Filters parse(List<String> values) {
            Set<String> types = new LinkedHashSet<>();
            Set<String> actions = new HashSet<>();
            Set<String> containers = new HashSet<>();
            Set<String> nodes = new HashSet<>();
            for (String f : values) {
                int eq = f.indexOf('=');
                String key = eq <= 0 ? "" : f.substring(0, eq).strip().toLowerCase(Locale.ROOT);
                String value = eq <= 0 ? "" : f.substring(eq + 1).strip();
                if (value.isEmpty()) {
                    throw usage("invalid filter \"" + f + "\": expected KEY=VALUE (type, event, container or node)");
                }
                switch (key) {
                    case "type" -> {
                        if (!TYPES.contains(value)) {
                            throw usage("invalid filter \"" + f + "\": type must be container, node, service or scheduler");
                        }
                        types.add(value);
                    }
                    case "event" -> actions.add(value);
                    case "container" -> containers.add(value);
                    case "node" -> nodes.add(value);
                    default -> throw usage("invalid filter \"" + f + "\": unknown key \"" + key + "\" (use type, event, container or node)");
                }
            }
            return new Filters(types, actions, containers, nodes);
        }

        @Override
        public boolean test(Event e) {
            return (types.isEmpty() || types.contains(e.getType()))
                    && (actions.isEmpty() || actions.contains(e.getAction()))
                    && (containers.isEmpty() || e.getType().equals("container") && containers.stream()
                    .anyMatch(c -> c.equals(e.getName()) || e.getId().startsWith(c)))
                    && (nodes.isEmpty() || nodes.contains(e.getNode()) || e.getType().equals("node") && nodes.contains(e.getId()));
        }
    }

    private static CliException usage(String message) {
        return new CliException(message, RunCommand.EXIT_GANTRY_ERROR);
    }

    /** What the reading side sees: an event, or the end of the stream (null status = completed). */
    private record Item(Event event, Status end) {
    }

    @Override
    public Integer call() throws InterruptedException {
        Filters filter = Filters.parse(filters);
        boolean json = parseFormat(format);
        var now = clock.instant();
        long sinceNanos;
        long untilNanos;
        try {
            sinceNanos = since == null ? 0 : Timestamps.parseNanos("--since", since, now);
            untilNanos = until == null ? 0 : Timestamps.parseNanos("--until", until, now);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        if (untilNanos != 0 && sinceNanos > untilNanos) {
            throw usage("--since must not be after --until");
        }
        long nowNanos = nanos(clock);
        // --until in the past: the remembered events, then done; in the future: live ones until then.
        boolean history = untilNanos != 0 && untilNanos <= nowNanos;
        if (history && sinceNanos == 0) {
            sinceNanos = 1; // Docker: --until alone shows everything remembered before it
        }
        Printer printer = new Printer(spec.commandLine().getOut(), filter, json, untilNanos);
        try (SchedulerClient client = NodeFanout.main(spec).connect()) {
            long from = sinceNanos;
            while (true) {
                EventsRequest request = EventsRequest.newBuilder().addAllTypes(filter.types()).setSinceNanos(from)
                        .setUntilNanos(history ? untilNanos : 0).build();
                BlockingQueue<Item> items = new LinkedBlockingQueue<>();
                Context.CancellableContext context = Context.current().withCancellation();
                try {
                    var stub = client.leaderAsync(s -> s.listServices(ListServicesRequest.getDefaultInstance()));
                    context.run(() -> stub.events(request, new StreamObserver<>() {
                        @Override
                        public void onNext(Event e) {
                            items.add(new Item(e, null));
                        }

                        @Override
                        public void onError(Throwable t) {
                            items.add(new Item(null, Status.fromThrowable(t)));
                        }

                        @Override
                        public void onCompleted() {
                            items.add(new Item(null, Status.OK));
                        }
                    }));
                    Status end;
                    while (true) {
                        Item item;
                        if (!history && untilNanos != 0) {
                            long left = untilNanos - nanos(clock);
                            item = left <= 0 ? null : items.poll(left, TimeUnit.NANOSECONDS);
                            if (item == null) {
                                return 0; // --until reached
                            }
                        } else {
                            item = items.take();
                        }
                        if (item.end() != null) {
                            end = item.end();
                            break;
                        }
                        if (!printer.print(item.event())) {
                            return 0; // past --until
                        }
                    }
                    if (history) {
                        if (end.isOk()) {
                            return 0;
                        }
                        throw failure(end);
                    }
                    if (!end.isOk() && !leadershipMoved(end)) {
                        throw failure(end);
                    }
                } finally {
                    context.cancel(null);
                }
                // Leadership moved (a live stream only ends so): pick up at the new leader where we were. Its memory
                // starts with its own term, so when nothing was seen yet all of it is news.
                from = printer.last > 0 ? printer.last : Math.max(1, sinceNanos);
                Thread.sleep(RECONNECT_PAUSE_MILLIS);
            }
        }
    }

    /** Prints each event once (a reconnect replays from the last one's time), filtered, until --until. */
    private static final class Printer {
        private final PrintWriter out;
        private final Filters filter;
        private final boolean json;
        private final long untilNanos;
        private final Set<Event> seenAtLast = new HashSet<>();
        long last;

        Printer(PrintWriter out, Filters filter, boolean json, long untilNanos) {
            this.out = out;
            this.filter = filter;
            this.json = json;
            this.untilNanos = untilNanos;
        }

        /** False once an event is past --until (the end). */
        boolean print(Event e) {
            if (untilNanos != 0 && e.getTimeNanos() > untilNanos) {
                return false;
            }
            if (e.getTimeNanos() < last || e.getTimeNanos() == last && seenAtLast.contains(e)) {
                return true; // replayed after a reconnect
            }
            if (e.getTimeNanos() > last) {
                seenAtLast.clear();
                last = e.getTimeNanos();
            }
            seenAtLast.add(e);
            if (filter.test(e)) {
                out.println(json ? EventFormat.json(e) : EventFormat.line(e));
                out.flush();
            }
            return true;
        }
    }

    private static long nanos(Clock clock) {
        var t = clock.instant();
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    /** UNAVAILABLE (the leader stepped down or went away, or one is taking over) or a follower's pointer to the leader. */
    static boolean leadershipMoved(Status status) {
        String d = status.getDescription();
        return status.getCode() == Status.Code.UNAVAILABLE
                || status.getCode() == Status.Code.FAILED_PRECONDITION && d != null && d.startsWith(LeaderTrailer.REDIRECT_PREFIX);
    }

    private static CliException failure(Status status) {
        String d = status.getDescription();
        String message = d == null || d.isBlank() ? status.getCode().toString().toLowerCase(Locale.ROOT).replace('_', ' ') : d;
        return new CliException(message, status.getCode() == Status.Code.INVALID_ARGUMENT ? RunCommand.EXIT_GANTRY_ERROR : 1);
    }

    static boolean parseFormat(String format) {
        if (format == null || format.isBlank()) {
            return false;
        }
        if (format.equals("json") || format.replace(" ", "").equals("{{json.}}")) {
            return true;
        }
        throw usage("invalid argument \"" + format + "\" for \"--format\": only json is supported");
    }
}
