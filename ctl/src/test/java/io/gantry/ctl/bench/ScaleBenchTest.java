package io.gantry.ctl.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole benchmark, small: ZooKeeper, scheduler and hollow nodes as processes, then nothing left behind. */
class ScaleBenchTest {
    @TempDir
    Path tmp;

    @Test
    void aSmallRunPlacesEverythingAndCleansUp() throws Exception {
        var progress = new ByteArrayOutputStream();
        var config = new ScaleBench.Config(200, ScaleBench.SubmitMode.AUTO, 4, 64, Duration.ofMillis(20), "8", "16g",
                false, 100, 64L << 20, Duration.ofMillis(200), Duration.ofSeconds(60), "5s", tmp, false, null,
                List.of("-XX:+UseSerialGC"), new PrintStream(progress, true));
        var result = new ScaleBench(config).run(10);
        assertThat(result.errors()).as(progress.toString()).isZero();
        assertThat(result.placed()).isEqualTo(200);
        assertThat(result.running()).isEqualTo(200);
        assertThat(result.serverLatency()).hasSize(200);
        assertThat(java.util.Arrays.stream(result.serverLatency()).min().orElseThrow()).isGreaterThanOrEqualTo(20);
        assertThat(result.clientLatency()).hasSize(200);
        assertThat(result.sustainedPlacedPerSecond()).isPositive();
        assertThat(BenchReport.markdown(List.of(result), config)).contains("| 10 | ");
        try (var left = Files.list(tmp)) {
            assertThat(left.toList()).as("work dirs are deleted").isEmpty();
        }
    }
}
