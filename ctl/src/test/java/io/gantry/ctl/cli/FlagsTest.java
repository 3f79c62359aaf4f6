package io.gantry.ctl.cli;

import io.gantry.proto.RestartPolicy;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FlagsTest {
    @Test
    void memorySizesFollowDocker() {
        assertThat(Flags.memory("--memory", "64m")).isEqualTo(64L << 20);
        assertThat(Flags.memory("--memory", "1g")).isEqualTo(1L << 30);
        assertThat(Flags.memory("--memory", "1.5G")).isEqualTo(3L << 29);
        assertThat(Flags.memory("--memory", "512MiB")).isEqualTo(512L << 20);
        assertThat(Flags.memory("--memory", "10485760")).isEqualTo(10L << 20);
        assertThat(Flags.memory("--memory", "32mb")).isEqualTo(32L << 20);
    }

    @Test
    void badMemoryIsOneLine() {
        assertThatThrownBy(() -> Flags.memory("--memory", "12zz"))
                .hasMessage("invalid argument \"12zz\" for \"--memory\": invalid size (use a number with b, k, m or g, e.g. 64m)");
        assertThatThrownBy(() -> Flags.memory("--memory", "-5m")).hasMessageContaining("invalid size");
        assertThatThrownBy(() -> Flags.memory("--memory", "1k")).hasMessageContaining("minimum memory limit");
        assertThatThrownBy(() -> Flags.memory("--memory", "99999999999t")).hasMessageContaining("too large");
    }

    @Test
    void cpusAreThousandths() {
        assertThat(Flags.cpuMillis("0.5")).isEqualTo(500);
        assertThat(Flags.cpuMillis("2")).isEqualTo(2000);
        assertThatThrownBy(() -> Flags.cpuMillis("-1")).hasMessageContaining("greater than 0");
        assertThatThrownBy(() -> Flags.cpuMillis("0")).hasMessageContaining("greater than 0");
        assertThatThrownBy(() -> Flags.cpuMillis("two")).hasMessageContaining("not a number");
        assertThatThrownBy(() -> Flags.cpuMillis("0.001")).hasMessageContaining("minimum");
    }

    @Test
    void restartPolicies() {
        assertThat(Flags.restart("no").getMode()).isEqualTo(RestartPolicy.Mode.NO);
        assertThat(Flags.restart("always").getMode()).isEqualTo(RestartPolicy.Mode.ALWAYS);
        RestartPolicy p = Flags.restart("on-failure:3");
        assertThat(p.getMode()).isEqualTo(RestartPolicy.Mode.ON_FAILURE);
        assertThat(p.getMaxRetries()).isEqualTo(3);
        assertThat(Flags.restart("on-failure").getMaxRetries()).isZero();
        assertThatThrownBy(() -> Flags.restart("sometimes")).hasMessageContaining("invalid restart policy");
        assertThatThrownBy(() -> Flags.restart("on-failure:x")).hasMessageContaining("positive integer");
    }

    @Test
    void envPassesOrInherits() {
        assertThat(Flags.env("A=1", Map.of())).isEqualTo("A=1");
        assertThat(Flags.env("A==x", Map.of())).isEqualTo("A==x");
        assertThat(Flags.env("HOME", Map.of("HOME", "/root"))).isEqualTo("HOME=/root");
        assertThat(Flags.env("UNSET", Map.of())).isNull();
        assertThatThrownBy(() -> Flags.env("=x", Map.of())).hasMessageContaining("KEY=VALUE");
    }

    @Test
    void labels() {
        assertThat(Flags.labels("zone=a, disk=ssd")).containsEntry("zone", "a").containsEntry("disk", "ssd");
        assertThatThrownBy(() -> Flags.labels("zone")).hasMessageContaining("KEY=VALUE");
    }

    @Test
    void schedulerAddresses() {
        assertThat(SchedulerClient.parseAddresses("127.0.0.1:7070, 127.0.0.1:7071"))
                .containsExactly("127.0.0.1:7070", "127.0.0.1:7071");
        assertThatThrownBy(() -> SchedulerClient.parseAddresses("localhost")).hasMessageContaining("HOST:PORT");
        assertThatThrownBy(() -> SchedulerClient.parseAddresses("h:99999")).hasMessageContaining("bad port");
    }

    @Test
    void durations() {
        assertThat(Durations.parse("--x", "500ms").toMillis()).isEqualTo(500);
        assertThat(Durations.parse("--x", "5s").toSeconds()).isEqualTo(5);
        assertThatThrownBy(() -> Durations.parse("--x", "5")).hasMessageContaining("duration");
    }
}
