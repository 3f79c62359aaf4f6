package io.gantry.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

class LogSetupTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final Logger log = LoggerFactory.getLogger("io.gantry.scheduler.Placement");

    @AfterEach
    void restoreTestLogging() throws Exception {
        var context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        new ContextInitializer(context).autoConfig(); // back to logback-test.xml
    }

    private List<String> lines() {
        return out.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void jsonLinesCarryAllFields() throws Exception {
        LogSetup.configure(LogFormat.JSON, "scheduler", "node-1", Level.INFO, out);
        log.debug("not shown at info");
        try (var _ = MDC.putCloseable(LogSetup.WORKLOAD_MDC_KEY, "0123456789ab")) {
            log.info("placed on {}\nsecond line \"quoted\"", "node-2");
        }
        log.error("it failed", new IllegalStateException("boom"));
        List<String> lines = lines();
        assertEquals(2, lines.size(), lines.toString());
        var mapper = new ObjectMapper();
        JsonNode first = mapper.readTree(lines.get(0));
        assertEquals("INFO", first.get("level").asText());
        assertEquals("scheduler", first.get("component").asText());
        assertEquals("node-1", first.get("node").asText());
        assertEquals("io.gantry.scheduler.Placement", first.get("logger").asText());
        assertEquals("placed on node-2\nsecond line \"quoted\"", first.get("message").asText());
        assertEquals("0123456789ab", first.get("workload").asText());
        Instant.parse(first.get("timestamp").asText());
        JsonNode second = mapper.readTree(lines.get(1));
        assertEquals("ERROR", second.get("level").asText());
        assertFalse(second.has("workload"));
        assertTrue(second.get("exception").asText().startsWith("java.lang.IllegalStateException: boom"),
                second.get("exception").asText());
    }

    @Test
    void textIsOneLineWithTimeLevelLoggerAndMessage() {
        LogSetup.configure(LogFormat.TEXT, "agent", "n", Level.INFO, out);
        log.warn("disk {} full", "/var");
        var lines = lines();
        assertEquals(1, lines.size());
        org.junit.jupiter.api.Assertions.assertTrue(lines.getFirst().matches(
                "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d) \\[WARN\\] Placement - disk /var full"), lines.getFirst());
    }

    @Test
    void unknownFormatIsAOneLineError() {
        var e = assertThrows(IllegalArgumentException.class, () -> LogSetup.configure("xml", "agent", "n"));
        assertEquals("unknown log format 'xml' (expected text or json)", e.getMessage());
        assertEquals(LogFormat.JSON, LogFormat.parse(" JSON "));
    }
}
