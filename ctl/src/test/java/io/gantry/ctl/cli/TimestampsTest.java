package io.gantry.ctl.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class TimestampsTest {
    private static final Instant NOW = Instant.parse("2026-11-22T15:00:00Z");

    @Test
    void acceptsDockersForms() {
        long now = NOW.getEpochSecond() * 1_000_000_000L;
        assertThat(Timestamps.parseNanos("--since", "2026-11-22T15:00:00Z", NOW)).isEqualTo(now);
        assertThat(Timestamps.parseNanos("--since", "2026-11-22T16:00:00+01:00", NOW)).isEqualTo(now);
        assertThat(Timestamps.parseNanos("--since", String.valueOf(NOW.getEpochSecond()), NOW)).isEqualTo(now);
        assertThat(Timestamps.parseNanos("--since", NOW.getEpochSecond() + ".5", NOW)).isEqualTo(now + 500_000_000L);
        assertThat(Timestamps.parseNanos("--since", "10m", NOW)).isEqualTo(now - 600_000_000_000L);
        assertThat(Timestamps.parseNanos("--until", "1h30m", NOW)).isEqualTo(now - 5_400_000_000_000L);
    }

    @Test
    void refusesAnythingElseInOneLine() {
        for (String bad : new String[] {"yesterday", "2026-11-22", "-5m", "12:00", ""}) {
            assertThatThrownBy(() -> Timestamps.parseNanos("--since", bad, NOW))
                    .hasMessage("invalid argument \"" + bad + "\" for \"--since\": expected a time like 2026-11-22T15:04:05Z,"
                            + " Unix seconds, or a duration like 10m");
        }
    }
}
