package io.gantry.ctl.cmd;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gantry.ctl.cli.JsonArrays;
import io.gantry.proto.Event;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** How {@code events} prints an event: Docker's line, or Docker's JSON object (one per line). */
final class EventFormat {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'")
            .withZone(ZoneOffset.UTC);

    private EventFormat() {
    }

    static Instant instant(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }

    /** The attributes Docker shows in parentheses: the event's own plus its name and node, sorted by key. */
    static Map<String, String> attributes(Event e) {
        Map<String, String> a = new TreeMap<>(e.getAttributesMap());
        if (!e.getName().isEmpty()) {
            a.put("name", e.getName());
        }
        if (!e.getNode().isEmpty()) {
            a.put("node", e.getNode());
        }
        return a;
    }

    /** {@code 2026-11-22T16:00:00.000000000Z container died 3f2a... (exitCode=3, name=web, node=node-1)}. */
    static String line(Event e) {
        Map<String, String> a = attributes(e);
        String attrs = a.isEmpty() ? "" : " (" + a.entrySet().stream().map(x -> x.getKey() + "=" + x.getValue())
                .collect(Collectors.joining(", ")) + ")";
        return TIME.format(instant(e.getTimeNanos())) + " " + e.getType() + " " + e.getAction() + " " + e.getId() + attrs;
    }

    /** Docker's {@code --format '{{json .}}'} shape: Type, Action, Actor{ID, Attributes}, time, timeNano. */
    static String json(Event e) {
        ObjectNode o = JsonArrays.MAPPER.createObjectNode();
        o.put("Type", e.getType());
        o.put("Action", e.getAction());
        ObjectNode actor = o.putObject("Actor");
        actor.put("ID", e.getId());
        ObjectNode attributes = actor.putObject("Attributes");
        attributes(e).forEach(attributes::put);
        o.put("time", Math.floorDiv(e.getTimeNanos(), 1_000_000_000L));
        o.put("timeNano", e.getTimeNanos());
        return o.toString();
    }
}
