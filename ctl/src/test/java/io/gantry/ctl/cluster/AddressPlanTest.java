package io.gantry.ctl.cluster;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AddressPlanTest {
    @Test
    void everyMemberHasItsOwnNamespaceVethAndAddress() {
        AddressPlan plan = new AddressPlan(3, 3, 3);
        assertThat(plan.all()).extracting(Member::name)
                .containsExactly("zk-1", "zk-2", "zk-3", "sched-1", "sched-2", "sched-3", "node-1", "node-2", "node-3");
        assertThat(plan.all()).extracting(Member::address)
                .containsExactly("10.77.0.11", "10.77.0.12", "10.77.0.13", "10.77.0.21", "10.77.0.22", "10.77.0.23",
                        "10.77.0.101", "10.77.0.102", "10.77.0.103");
        assertThat(plan.all()).extracting(Member::netns).doesNotHaveDuplicates()
                .contains("gantry-lc-zk1", "gantry-lc-sched2", "gantry-lc-node3");
        assertThat(plan.all()).extracting(Member::hostVeth).doesNotHaveDuplicates().allMatch(v -> v.startsWith("gantry-lc"));
    }

    @Test
    void connectStringsListEveryone() {
        AddressPlan plan = new AddressPlan(3, 2, 1);
        assertThat(plan.zkConnectString()).isEqualTo("10.77.0.11:2181,10.77.0.12:2181,10.77.0.13:2181");
        assertThat(plan.zkServers()).isEqualTo("10.77.0.11:2888:3888,10.77.0.12:2888:3888,10.77.0.13:2888:3888");
        assertThat(plan.schedulerAddresses()).isEqualTo("10.77.0.21:7070,10.77.0.22:7070");
        assertThat(plan.registryAddress()).isEqualTo("10.77.0.1:5000");
    }

    @Test
    void theLargestPlanStaysInTheSubnetAndInterfaceNamesFit() {
        AddressPlan plan = new AddressPlan(AddressPlan.MAX_ZOOKEEPERS, AddressPlan.MAX_SCHEDULERS, AddressPlan.MAX_NODES);
        List<Member> all = plan.all();
        assertThat(all).extracting(Member::address).doesNotHaveDuplicates()
                .allMatch(a -> a.startsWith("10.77.0.") && Integer.parseInt(a.substring(8)) > 1 && Integer.parseInt(a.substring(8)) < 255);
        assertThat(all).extracting(Member::hostVeth).allMatch(v -> v.length() <= 15, "at most 15 characters (IFNAMSIZ)");
        assertThat(AddressPlan.BRIDGE).hasSizeLessThanOrEqualTo(15);
    }

    @Test
    void badCountsAreOneLineErrorsNamingTheFlag() {
        assertThatThrownBy(() -> new AddressPlan(3, 3, 0)).hasMessage("invalid argument \"0\" for \"--nodes\": expected 1..150");
        assertThatThrownBy(() -> new AddressPlan(0, 3, 3)).hasMessage("invalid argument \"0\" for \"--zk\": expected 1..9");
        assertThatThrownBy(() -> new AddressPlan(3, 10, 3)).hasMessage("invalid argument \"10\" for \"--schedulers\": expected 1..9");
        assertThatThrownBy(() -> new AddressPlan(3, 3, 151)).hasMessageContaining("--nodes");
    }

    @Test
    void membersParseFromTheirNames() {
        assertThat(Member.parse("node-12")).isEqualTo(new Member(Role.NODE, 12));
        assertThat(Member.parse("sched-1")).isEqualTo(new Member(Role.SCHEDULER, 1));
        assertThat(Member.parse("zk-3").netns()).isEqualTo("gantry-lc-zk3");
        assertThatThrownBy(() -> Member.parse("node-")).hasMessageContaining("unknown cluster member 'node-'");
        assertThatThrownBy(() -> Member.parse("web-1")).hasMessageContaining("expected zk-N, sched-N or node-N");
        assertThat(new AddressPlan(1, 1, 2).contains(Member.parse("node-3"))).isFalse();
    }
}
