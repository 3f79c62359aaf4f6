package io.gantry.telemetry;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;

/**
 * Encodes each log event as one JSON object on one line (Jackson escapes newlines inside values).
 * Fields: timestamp (ISO-8601 UTC), level, component, node, logger, thread, message, workload (MDC "workload",
 * only when set), exception (stack trace text, only when present).
 */
final class JsonLineEncoder extends EncoderBase<ILoggingEvent> {
    /** The MDC key the components put the workload id under. */
    static final String WORKLOAD_MDC_KEY = LogSetup.WORKLOAD_MDC_KEY;

    private final JsonFactory json = new JsonFactory();
    private final String component;
    private final String node;

    JsonLineEncoder(String component, String node) {
        this.component = component;
        this.node = node;
    }

    @Override
    public byte[] headerBytes() {
        return null;
    }

    @Override
    public byte[] footerBytes() {
        return null;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        var out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = json.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("timestamp", Instant.ofEpochMilli(event.getTimeStamp()).toString());
            g.writeStringField("level", event.getLevel().toString());
            g.writeStringField("component", component);
            g.writeStringField("node", node);
            g.writeStringField("logger", event.getLoggerName());
            g.writeStringField("thread", event.getThreadName());
            g.writeStringField("message", event.getFormattedMessage());
            Map<String, String> mdc = event.getMDCPropertyMap();
            String workload = mdc == null ? null : mdc.get(WORKLOAD_MDC_KEY);
            if (workload != null) {
                g.writeStringField("workload", workload);
            }
            if (event.getThrowableProxy() != null) {
                g.writeStringField("exception", ThrowableProxyUtil.asString(event.getThrowableProxy()));
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.writeBytes(CoreConstants.LINE_SEPARATOR.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return out.toByteArray();
    }
}
