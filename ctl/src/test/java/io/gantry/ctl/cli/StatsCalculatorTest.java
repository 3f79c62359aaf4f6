package io.gantry.ctl.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.gantry.proto.StatsSample;
import org.junit.jupiter.api.Test;

class StatsCalculatorTest {
    private static StatsSample sample(long cpu, long system, int cpus) {
        return StatsSample.newBuilder().setCpuUsageNanos(cpu).setSystemCpuNanos(system).setOnlineCpus(cpus).build();
    }

    @Test
    void cpuPercentIsContainerOverHostTimeTimesOnlineCpus() {
        // 0.5 s of container CPU while the host's 4 CPUs ran 2 s in all: one of four cores busy half the time... x4
        assertThat(StatsCalculator.cpuPercent(sample(1_000_000_000L, 10_000_000_000L, 4), sample(1_500_000_000L, 12_000_000_000L, 4)))
                .isCloseTo(100.0, within(1e-9));
        assertThat(StatsCalculator.cpuPercent(sample(0, 0, 2), sample(250_000_000L, 1_000_000_000L, 2))).isCloseTo(50.0, within(1e-9));
        assertThat(StatsCalculator.cpuPercent(sample(0, 0, 0), sample(100, 1000, 0))).as("no cpu count: one").isCloseTo(10.0, within(1e-9));
    }

    @Test
    void noPreviousSampleOrNoProgressIsZero() {
        assertThat(StatsCalculator.cpuPercent(null, sample(5, 5, 1))).isZero();
        assertThat(StatsCalculator.cpuPercent(sample(5, 5, 1), sample(5, 10, 1))).isZero();
        assertThat(StatsCalculator.cpuPercent(sample(5, 5, 1), sample(9, 5, 1))).as("host counter stuck").isZero();
        assertThat(StatsCalculator.cpuPercent(sample(50, 5, 1), sample(9, 10, 1))).as("restarted container").isZero();
    }

    @Test
    void memoryPercentAndFormatting() {
        var s = StatsSample.newBuilder().setMemoryUsageBytes(256L << 20).setMemoryLimitBytes(1L << 30).build();
        assertThat(StatsCalculator.memoryPercent(s)).isCloseTo(25.0, within(1e-9));
        assertThat(StatsCalculator.memoryPercent(StatsSample.newBuilder().setMemoryUsageBytes(5).build())).isZero();
        assertThat(StatsCalculator.percent(12.345)).isEqualTo("12.35%");
        assertThat(StatsCalculator.percent(0)).isEqualTo("0.00%");
    }

    @Test
    void sizesAsDockerPrintsThem() {
        assertThat(DockerUnits.binary(2_087_354_368L)).isEqualTo("1.944GiB");
        assertThat(DockerUnits.binary(1536L * 1024)).isEqualTo("1.5MiB");
        assertThat(DockerUnits.binary(0)).isEqualTo("0B");
        assertThat(DockerUnits.decimal(648)).isEqualTo("648B");
        assertThat(DockerUnits.decimal(1234)).isEqualTo("1.234kB");
        assertThat(DockerUnits.decimal(4_264_000, 3)).isEqualTo("4.26MB");
        assertThat(DockerUnits.decimal(3_000_000)).isEqualTo("3MB");
    }
}
