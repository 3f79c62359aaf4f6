package io.gantry.telemetry;

import java.util.Locale;

/** The value of {@code --log-format}. */
public enum LogFormat {
    /** One human-readable line per event, slf4j-simple style: {@code [thread] LEVEL logger - message}. */
    TEXT,
    /** One JSON object per line: timestamp, level, component, node, logger, message, workload, thread, exception. */
    JSON;

    public static LogFormat parse(String value) {
        if (value != null) {
            for (LogFormat format : values()) {
                if (format.name().equalsIgnoreCase(value.strip())) {
                    return format;
                }
            }
        }
        throw new IllegalArgumentException("unknown log format '" + value + "' (expected text or json)");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
