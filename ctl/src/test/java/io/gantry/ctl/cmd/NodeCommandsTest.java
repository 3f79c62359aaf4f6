package io.gantry.ctl.cmd;

import io.gantry.proto.Node;
import io.gantry.proto.UpdateNodeRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code node update / drain / activate / ls / inspect} against {@link FakeControl}. */
class NodeCommandsTest {
    private Cli cli;

    @BeforeEach
    void start() throws Exception {
        cli = new Cli();
        cli.control.addNode("n1", Map.of("zone", "a"));
        cli.control.addNode("n2", Map.of());
    }

    @AfterEach
    void stop() throws Exception {
        cli.close();
    }

    @Test
    void updateSendsLabelsAndAvailability() {
        Cli.Result r = cli.run("node", "update", "--label-add", "zone=b", "--label-add", "disk=ssd", "--label-rm", "old",
                "--availability", "drain", "n1");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("n1\n");
        UpdateNodeRequest sent = cli.control.requests(UpdateNodeRequest.class).getFirst();
        assertThat(sent.getLabelAddMap()).isEqualTo(Map.of("zone", "b", "disk", "ssd"));
        assertThat(sent.getLabelRmList()).containsExactly("old");
        assertThat(sent.getSetAvailability()).isTrue();
        assertThat(sent.getAvailability()).isEqualTo(Node.Availability.DRAIN);

        Cli.Result labelsOnly = cli.run("node", "update", "--label-add", "gpu=1", "n2");
        assertThat(labelsOnly.exit()).isZero();
        assertThat(cli.control.requests(UpdateNodeRequest.class).getLast().getSetAvailability())
                .as("availability untouched unless asked").isFalse();
    }

    @Test
    void drainAndActivate() {
        assertThat(cli.run("node", "drain", "n2").out()).isEqualTo("n2\n");
        assertThat(cli.control.nodes.get("n2").getAvailability()).isEqualTo(Node.Availability.DRAIN);
        assertThat(cli.run("node", "activate", "n2").exit()).isZero();
        assertThat(cli.control.nodes.get("n2").getAvailability()).isEqualTo(Node.Availability.ACTIVE);
        List<UpdateNodeRequest> sent = cli.control.requests(UpdateNodeRequest.class);
        assertThat(sent).allMatch(UpdateNodeRequest::getSetAvailability);
    }

    @Test
    void unknownNodeAndBadFlagsAreOneLine() {
        Cli.Result unknown = cli.run("node", "drain", "ghost");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err()).isEqualTo("gantry: no such node: ghost\n");

        Cli.Result pause = cli.run("node", "update", "--availability", "pause", "n1");
        assertThat(pause.exit()).isEqualTo(125);
        assertThat(pause.err()).isEqualTo("gantry: invalid argument \"pause\" for \"--availability\": use active or drain\n");
        Cli.Result label = cli.run("node", "update", "--label-add", "zone", "n1");
        assertThat(label.exit()).isEqualTo(125);
        assertThat(label.err()).isEqualTo("gantry: invalid label \"zone\": expected KEY=VALUE\n");
        Cli.Result rm = cli.run("node", "update", "--label-rm", "zone=a", "n1");
        assertThat(rm.exit()).isEqualTo(125);
        assertThat(cli.control.requests(UpdateNodeRequest.class)).hasSize(1);
        Cli.Result none = cli.run("node", "drain");
        assertThat(none.exit()).isEqualTo(125);
        assertThat(none.err()).startsWith("gantry node drain: Missing required parameter: 'NODE'");
    }

    @Test
    void lsShowsAvailabilityAndTheOperatorsLabelsOverTheAgents() {
        cli.run("node", "update", "--label-add", "zone=b", "--label-add", "disk=ssd", "n1");
        cli.run("node", "drain", "n2");
        Cli.Result r = cli.run("node", "ls");
        assertThat(r.exit()).as(r.toString()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines.get(0)).matches("NAME +STATUS +AVAILABILITY +ADDRESS +CPUS +MEMORY +ALLOCATED CPU +ALLOCATED MEMORY +CONTAINERS +LABELS");
        assertThat(lines.get(1)).matches("n1 +Ready +Active +10\\.0\\.0\\.1 +2 +1GiB +0 +0B +0 +disk=ssd,zone=b");
        assertThat(lines.get(2)).matches("n2 +Ready +Drain +10\\.0\\.0\\.2 +2 +1GiB +0 +0B +0 +-");
    }

    @Test
    void inspectPrintsNodesAsJson() {
        Cli.Result r = cli.run("node", "inspect", "n1");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("[\n    {\n        \"name\": \"n1\",").contains("\"availability\": \"ACTIVE\"").endsWith("}\n]\n");
        Cli.Result missing = cli.run("node", "inspect", "n1", "ghost");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).isEqualTo("gantry: no such node: ghost\n");
    }
}
