package io.gantry.ctl.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.gantry.ctl.bench.BenchStats.Sample;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchStatsTest {
    @Test
    void percentilesAreNearestRank() {
        long[] v = new long[100];
        for (int i = 0; i < 100; i++) {
            v[i] = 100 - i;
        }
        assertThat(BenchStats.percentile(v, 50)).isEqualTo(50);
        assertThat(BenchStats.percentile(v, 99)).isEqualTo(99);
        assertThat(BenchStats.percentile(v, 100)).isEqualTo(100);
        assertThat(BenchStats.percentile(new long[0], 50)).isEqualTo(-1);
    }

    @Test
    void sustainedRateIgnoresRampUpAndTail() {
        // Nothing for 1 s, then 1,000 placements per second.
        List<Sample> s = List.of(new Sample(0, 0, 0), new Sample(1000, 0, 0), new Sample(2000, 1000, 0),
                new Sample(3000, 2000, 0), new Sample(4000, 3000, 0), new Sample(5000, 4000, 0), new Sample(9000, 4000, 0));
        assertThat(BenchStats.timeToReach(s, 500, false)).isCloseTo(1500, within(0.01));
        assertThat(BenchStats.sustainedRate(s, 4000, false)).isCloseTo(1000, within(0.01));
        assertThat(BenchStats.peakRate(s, 1000)).isCloseTo(1000, within(0.01));
        assertThat(BenchStats.sustainedRate(s, 4000, true)).isEqualTo(-1); // nothing ever ran
    }
}
