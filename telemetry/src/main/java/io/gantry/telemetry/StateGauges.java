package io.gantry.telemetry;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** One gauge per value of a bounded label, set all at once from a count map (absent values read 0). */
final class StateGauges<E extends Enum<E> & Labels.LabelValue> {
    private final Map<E, AtomicLong> values;

    StateGauges(MeterRegistry registry, String name, String description, String labelName, Class<E> type) {
        values = new EnumMap<>(type);
        for (E value : type.getEnumConstants()) {
            var holder = new AtomicLong();
            values.put(value, holder);
            Gauge.builder(name, holder, AtomicLong::get)
                    .description(description)
                    .tag(labelName, value.label())
                    .register(registry);
        }
    }

    void set(Map<E, ? extends Number> counts) {
        values.forEach((key, holder) -> {
            Number n = counts.get(key);
            holder.set(n == null ? 0 : n.longValue());
        });
    }

    long get(E key) {
        return values.get(key).get();
    }
}
