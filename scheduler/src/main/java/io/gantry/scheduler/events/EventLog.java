package io.gantry.scheduler.events;

import io.gantry.proto.Event;
import io.gantry.proto.EventsRequest;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The leader's recent cluster events, in memory like Docker's: a bounded history for {@code --since}, and live
 * subscribers. A new leader starts with an empty history (events are a view, not state).
 */
public final class EventLog {
    public static final Set<String> TYPES = Set.of("container", "node", "service", "network", "scheduler");
    private final Clock clock;
    private final int capacity;
    private final ArrayDeque<Event> recent = new ArrayDeque<>();
    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();

    public EventLog(Clock clock, int capacity) {
        this.clock = clock;
        this.capacity = capacity;
    }

    /** Records an event now and hands it to every live subscriber whose filter matches. */
    public void emit(String type, String action, String id, String name, String node, Map<String, String> attributes) {
        var instant = clock.instant();
        var e = Event.newBuilder().setTimeNanos(instant.getEpochSecond() * 1_000_000_000L + instant.getNano())
                .setType(type).setAction(action).setId(id).setName(name == null ? "" : name)
                .setNode(node == null ? "" : node).putAllAttributes(attributes).build();
        synchronized (recent) {
            recent.addLast(e);
            while (recent.size() > capacity) {
                recent.removeFirst();
            }
        }
        for (var s : subscribers) {
            s.offer(e);
        }
    }

    public List<Event> recent() {
        synchronized (recent) {
            return List.copyOf(recent);
        }
    }

    /** Sends the remembered events the request asks for, then (without an until) live ones until cancelled. */
    public void subscribe(EventsRequest request, StreamObserver<Event> out) {
        for (String t : request.getTypesList()) {
            if (!TYPES.contains(t)) {
                throw io.grpc.Status.INVALID_ARGUMENT.withDescription("unknown event type \"" + t
                        + "\": use container, node, service, network or scheduler").asRuntimeException();
            }
        }
        var filter = new Filter(Set.copyOf(request.getTypesList()), request.getSinceNanos(), request.getUntilNanos());
        var subscriber = new Subscriber(filter, out);
        if (out instanceof ServerCallStreamObserver<Event> server) {
            server.setOnCancelHandler(() -> subscribers.remove(subscriber));
        }
        // Holding the subscriber while it is registered and the history replayed keeps live events after it.
        synchronized (subscriber) {
            List<Event> history;
            synchronized (recent) {
                history = new ArrayList<>(recent);
                if (request.getUntilNanos() == 0) {
                    subscribers.add(subscriber);
                }
            }
            if (request.getSinceNanos() > 0) {
                history.stream().filter(filter::matches).forEach(subscriber::offer);
            }
            if (request.getUntilNanos() != 0) {
                subscriber.complete();
            }
        }
    }

    /** Ends every live stream (the term is over). */
    public void close() {
        for (var s : subscribers) {
            s.complete();
        }
        subscribers.clear();
    }

    record Filter(Set<String> types, long sinceNanos, long untilNanos) {
        boolean matches(Event e) {
            return (types.isEmpty() || types.contains(e.getType()))
                    && (sinceNanos == 0 || e.getTimeNanos() >= sinceNanos)
                    && (untilNanos == 0 || e.getTimeNanos() <= untilNanos);
        }
    }

    private final class Subscriber {
        private final Filter filter;
        private final StreamObserver<Event> out;
        private boolean done;

        Subscriber(Filter filter, StreamObserver<Event> out) {
            this.filter = filter;
            this.out = out;
        }

        synchronized void offer(Event e) {
            if (done || !filter.matches(e)) {
                return;
            }
            try {
                out.onNext(e);
            } catch (RuntimeException gone) {
                done = true;
                subscribers.remove(this);
            }
        }

        synchronized void complete() {
            if (!done) {
                done = true;
                try {
                    out.onCompleted();
                } catch (RuntimeException ignored) {
                    // cancelled
                }
            }
        }
    }
}
