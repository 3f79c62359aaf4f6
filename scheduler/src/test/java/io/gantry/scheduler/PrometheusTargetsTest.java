package io.gantry.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gantry.proto.Node;
import io.gantry.telemetry.FileSdWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrometheusTargetsTest {
    @TempDir
    Path dir;

    @Test
    void theLeaderAndEveryAgentThatServesMetricsAreTargets() throws Exception {
        var groups = PrometheusTargets.groups("127.0.0.1:9470", "s1:7070", List.of(
                Node.newBuilder().setName("n1").setMetricsAddress("10.0.0.1:9471").build(),
                Node.newBuilder().setName("n2").build()));
        assertEquals(List.of(
                new FileSdWriter.TargetGroup(List.of("127.0.0.1:9470"), Map.of("component", "scheduler", "node", "s1:7070")),
                new FileSdWriter.TargetGroup(List.of("10.0.0.1:9471"), Map.of("component", "agent", "node", "n1"))), groups);

        Path file = dir.resolve("sd/targets.json");
        Files.createDirectories(file.getParent());
        var targets = new PrometheusTargets(file);
        targets.update(groups);
        String first = Files.readString(file);
        assertEquals(true, first.contains("10.0.0.1:9471"));
        Files.writeString(file, "tampered");
        targets.update(groups);
        assertEquals("tampered", Files.readString(file), "unchanged targets are not rewritten");
        targets.update(groups.subList(0, 1));
        assertEquals(false, Files.readString(file).contains("10.0.0.1:9471"));
    }
}
