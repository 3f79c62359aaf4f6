package io.gantry.ctl.cluster;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LocalClusterOptionsTest {
    @Test
    void defaultsAreThreeOfEachWithZonesRoundRobin() {
        LocalCluster.Options o = LocalCluster.Options.defaults().withNodes(5);
        assertThat(o.zookeepers()).isEqualTo(3);
        assertThat(o.schedulers()).isEqualTo(3);
        assertThat(o.stateDir()).isEqualTo(Path.of("/run/gantry/local-cluster"));
        assertThat(o.dataDir()).isEqualTo(Path.of("/var/lib/gantry/local-cluster"));
        assertThat(List.of(o.labelsOf(1), o.labelsOf(2), o.labelsOf(3), o.labelsOf(4), o.labelsOf(5)))
                .extracting(m -> m.get("zone")).containsExactly("a", "b", "c", "a", "b");
    }

    @Test
    void givenLabelsWinForTheNodesTheyCover() {
        LocalCluster.Options o = LocalCluster.Options.defaults().withNodeLabels(List.of(Map.of("disk", "ssd")));
        assertThat(o.labelsOf(1)).isEqualTo(Map.of("disk", "ssd"));
        assertThat(o.labelsOf(2)).isEqualTo(Map.of("zone", "b"));
    }

    @Test
    void badOptionsFailWithOneLine() {
        assertThatThrownBy(() -> LocalCluster.Options.defaults().withNodes(-1))
                .hasMessage("invalid argument \"-1\" for \"--nodes\": expected 1..150");
        assertThatThrownBy(() -> LocalCluster.Options.defaults().withDirs(Path.of("/"), Path.of("/var/lib/x")))
                .hasMessageContaining("refusing a top-level directory");
    }

    @Test
    void theStateFileRoundTrips(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        ClusterState s = new ClusterState("/var/lib/x", 3, 3, 3, "a:1", "b:2", Map.of())
                .with(new ClusterState.ProcessEntry("zk-1", "gantry-lc-zk1", 42, List.of("java", "-jar", "g.jar"), "/run/x/zk-1.log"));
        s.write(dir);
        assertThat(ClusterState.read(dir)).isEqualTo(s);
    }
}
