package io.gantry.image;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ImageConfigsTest {
    @Test
    void configWithAnAbsurdNumberOfLayersIsRefused() {
        StringBuilder json = new StringBuilder("{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[");
        for (int i = 0; i < 100_000; i++) {
            json.append(i == 0 ? "" : ",").append("\"sha256:").append("a".repeat(64)).append('"');
        }
        json.append("]}}");
        ImageException e = assertThrows(ImageException.class,
                () -> ImageConfigs.parse("r/x:1", json.toString().getBytes(StandardCharsets.UTF_8)));
        assertEquals("config of r/x:1 lists 100000 layers, more than the limit of 128", e.getMessage());
    }

    @Test
    void theImagesHealthcheckIsRead() throws Exception {
        ImageConfigs.Parsed parsed = ImageConfigs.parse("r/x:1", """
                {"config":{"Cmd":["sh"],"Healthcheck":{"Test":["CMD-SHELL","wget -q localhost"],"Interval":2000000000,
                 "Timeout":1000000000,"Retries":4,"StartPeriod":5000000000}},"rootfs":{"type":"layers","diff_ids":[]}}
                """.getBytes(StandardCharsets.UTF_8));
        var h = parsed.config().healthcheck();
        assertEquals(java.util.List.of("CMD-SHELL", "wget -q localhost"), h.test());
        assertEquals(2_000_000_000L, h.intervalNanos());
        assertEquals(4, h.retries());
        assertEquals(5_000_000_000L, h.startPeriodNanos());
        org.junit.jupiter.api.Assertions.assertNull(ImageConfigs.parse("r/x:1", """
                {"config":{"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":[]}}
                """.getBytes(StandardCharsets.UTF_8)).config().healthcheck());
    }

    @Test
    void createdAndPlatformAreRead() throws Exception {
        ImageConfigs.Parsed parsed = ImageConfigs.parse("r/x:1", """
                {"created":"2020-01-02T03:04:05Z","os":"linux","architecture":"amd64",
                 "config":{"Cmd":["sh"],"StopSignal":"SIGINT"},"rootfs":{"type":"layers","diff_ids":[]}}
                """.getBytes(StandardCharsets.UTF_8));
        assertEquals("linux", parsed.os());
        assertEquals("SIGINT", parsed.config().stopSignal());
    }
}
