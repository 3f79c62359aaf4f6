package io.gantry.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gantry.telemetry.FileSdWriter.TargetGroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSdWriterTest {
    @TempDir
    Path temp;

    @Test
    void writesPrometheusFileSdJsonAndReplacesIt() throws Exception {
        Path file = temp.resolve("prometheus/targets.json");
        var writer = new FileSdWriter(file);
        writer.write(List.of(new TargetGroup(List.of("127.0.0.1:9470"), Map.of("component", "scheduler")),
                new TargetGroup(List.of("10.0.0.31:9471", "10.0.0.32:9471"), Map.of("component", "agent"))));
        JsonNode json = new ObjectMapper().readTree(file.toFile());
        assertEquals(2, json.size());
        assertEquals("127.0.0.1:9470", json.get(0).get("targets").get(0).asText());
        assertEquals("agent", json.get(1).get("labels").get("component").asText());
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));

        writer.write(List.of());
        assertEquals("[ ]", Files.readString(file).strip());
        try (var entries = Files.list(file.getParent())) {
            assertEquals(List.of(file), entries.toList(), "no temp files left behind");
        }
    }

    @Test
    void rejectsInvalidLabelNames() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new TargetGroup(List.of("a:1"), Map.of("bad-name", "x")));
        assertEquals("invalid Prometheus label name 'bad-name'", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TargetGroup(List.of(), Map.of("__address__", "x")));
    }
}
