package io.gantry.agent.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

class LogOptionsTest {
    @Test
    void dockerSizeSuffixes() {
        assertEquals(10L << 20, LogOptions.parseSize("10m"));
        assertEquals(10L << 20, LogOptions.parseSize("10MB"));
        assertEquals(10L << 20, LogOptions.parseSize("10MiB"));
        assertEquals(512, LogOptions.parseSize("512"));
        assertEquals(512, LogOptions.parseSize("512b"));
        assertEquals(2048, LogOptions.parseSize("2k"));
        assertEquals(3L << 30, LogOptions.parseSize("3g"));
        assertEquals(1536, LogOptions.parseSize("1.5k"));
        assertEquals(-1, LogOptions.parseSize("-1"));
    }

    @Test
    void defaultsAndCombinations() {
        assertEquals(new LogOptions(-1, 1), LogOptions.parse(Map.of()));
        assertEquals(new LogOptions(10L << 20, 1), LogOptions.parse(Map.of("max-size", "10m")));
        assertEquals(new LogOptions(10L << 20, 3), LogOptions.parse(Map.of("max-size", "10m", "max-file", "3")));
        assertEquals(false, LogOptions.parse(Map.of()).rotates());
    }

    @Test
    void badValuesAreOneLineErrors() {
        assertEquals("invalid --log-opt max-size '10x': expected a size such as 10m, 512k or 1g",
                assertThrows(IllegalArgumentException.class, () -> LogOptions.parse(Map.of("max-size", "10x"))).getMessage());
        assertEquals("invalid --log-opt max-size '0': must be a positive size",
                assertThrows(IllegalArgumentException.class, () -> LogOptions.parse(Map.of("max-size", "0"))).getMessage());
        assertEquals("invalid --log-opt max-file 'three': not a number",
                assertThrows(IllegalArgumentException.class, () -> LogOptions.parse(Map.of("max-size", "1m", "max-file", "three"))).getMessage());
        assertEquals("invalid --log-opt max-file '0': must be at least 1",
                assertThrows(IllegalArgumentException.class, () -> LogOptions.parse(Map.of("max-size", "1m", "max-file", "0"))).getMessage());
        assertEquals("--log-opt max-file needs max-size",
                assertThrows(IllegalArgumentException.class, () -> LogOptions.parse(Map.of("max-file", "3"))).getMessage());
        assertEquals("unknown --log-opt 'mode' (known: max-size, max-file)",
                assertThrows(IllegalArgumentException.class, () -> LogOptions.parse(Map.of("mode", "non-blocking"))).getMessage());
    }
}
