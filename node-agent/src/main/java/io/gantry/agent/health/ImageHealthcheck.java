package io.gantry.agent.health;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An image's HEALTHCHECK as Docker stores it in the image config: {@code config.Healthcheck} with
 * {@code Test}, and {@code Interval}, {@code Timeout}, {@code StartPeriod} in nanoseconds, {@code Retries}.
 * Zero durations and retries mean "not set" (the defaults apply).
 */
public record ImageHealthcheck(List<String> test, Duration interval, Duration timeout, int retries, Duration startPeriod) {
    public ImageHealthcheck {
        test = List.copyOf(test);
    }

    /**
     * Reads it from an image config JSON: either the whole config blob (with its {@code config} object) or that
     * inner object itself. Empty when the image has none.
     */
    public static Optional<ImageHealthcheck> fromConfigJson(JsonNode config) {
        if (config == null) {
            return Optional.empty();
        }
        JsonNode inner = config.has("config") && config.get("config").isObject() ? config.get("config") : config;
        JsonNode hc = inner.path("Healthcheck");
        if (!hc.isObject()) {
            return Optional.empty();
        }
        List<String> test = new ArrayList<>();
        hc.path("Test").forEach(n -> test.add(n.asText()));
        return Optional.of(new ImageHealthcheck(test, nanos(hc, "Interval"), nanos(hc, "Timeout"),
                hc.path("Retries").asInt(0), nanos(hc, "StartPeriod")));
    }

    private static Duration nanos(JsonNode hc, String field) {
        return Duration.ofNanos(Math.max(0, hc.path(field).asLong(0)));
    }
}
