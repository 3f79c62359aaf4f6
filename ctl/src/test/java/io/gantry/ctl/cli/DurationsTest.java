package io.gantry.ctl.cli;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DurationsTest {
    @Test
    void goStyleIncludingCompoundsAndZero() {
        assertThat(Durations.parse("--d", "1m30s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(Durations.parse("--d", "1h2m3s4ms")).isEqualTo(Duration.ofHours(1).plusMinutes(2).plusSeconds(3).plusMillis(4));
        assertThat(Durations.parse("--d", "0")).isZero();
        assertThat(Durations.parse("--d", "0s")).isZero();
        assertThatThrownBy(() -> Durations.parse("--d", "1.5s")).hasMessage("invalid argument \"1.5s\" for \"--d\": expected a duration like 500ms, 5s, 2m");
        assertThatThrownBy(() -> Durations.parse("--d", "s")).hasMessageContaining("expected a duration");
        assertThatThrownBy(() -> Durations.parse("--d", "-5s")).hasMessageContaining("expected a duration");
    }

    @Test
    void formatsBack() {
        assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("1m30s");
        assertThat(Durations.format(Duration.ofMillis(500))).isEqualTo("500ms");
        assertThat(Durations.format(Duration.ZERO)).isEqualTo("0s");
    }
}
