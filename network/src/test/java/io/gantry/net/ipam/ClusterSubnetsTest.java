package io.gantry.net.ipam;

import io.gantry.net.NetworkException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClusterSubnetsTest {
    @Test
    void nodesGetConsecutiveSlash24sIdempotently() {
        ClusterSubnets c = ClusterSubnets.defaults();
        assertEquals("10.42.0.0/24", c.nodeSubnet("n1").toString());
        assertEquals("10.42.1.0/24", c.nodeSubnet("n2").toString());
        assertEquals("10.42.0.0/24", c.nodeSubnet("n1").toString());
        c.releaseNode("n1");
        assertEquals("10.42.0.0/24", c.nodeSubnet("n3").toString());
    }

    @Test
    void networksComeFromTheirOwnPoolAndUserSubnetsAreCheckedForOverlap() {
        ClusterSubnets c = ClusterSubnets.defaults();
        c.nodeSubnet("n1");
        assertEquals("10.43.0.0/24", c.networkSubnet("front", null).toString());
        assertEquals("10.43.1.0/24", c.networkSubnet("back", Cidr.parse("10.43.1.0/24")).toString());
        assertEquals("10.43.2.0/24", c.networkSubnet("third", null).toString(), "the pool skips a user subnet inside it");
        NetworkException e = assertThrows(NetworkException.class, () -> c.networkSubnet("x", Cidr.parse("10.42.0.0/16")));
        assertEquals("overlapping subnets: 10.42.0.0/16 overlaps 10.42.0.0/24 of node n1", e.getMessage());
        e = assertThrows(NetworkException.class, () -> c.networkSubnet("y", Cidr.parse("10.43.1.128/25")));
        assertTrue(e.getMessage().startsWith("overlapping subnets: 10.43.1.128/25 overlaps 10.43.1.0/24 of network back"), e.getMessage());
        assertEquals("192.168.7.0/24", c.networkSubnet("z", Cidr.parse("192.168.7.0/24")).toString());
    }

    @Test
    void poolsMustNotOverlap() {
        NetworkException e = assertThrows(NetworkException.class,
                () -> new ClusterSubnets(SubnetPool.parse("10.0.0.0/8", 24), SubnetPool.parse("10.43.0.0/16", 24)));
        assertEquals("overlapping subnets: node pool 10.0.0.0/8 and network pool 10.43.0.0/16", e.getMessage());
    }

    @Test
    void exhaustedPoolIsOneLine() {
        ClusterSubnets c = new ClusterSubnets(SubnetPool.parse("10.42.0.0/23", 24), SubnetPool.parse("10.43.0.0/24", 24));
        c.nodeSubnet("a");
        c.nodeSubnet("b");
        NetworkException e = assertThrows(NetworkException.class, () -> c.nodeSubnet("c"));
        assertEquals("address pool 10.42.0.0/23 is exhausted: all 2 /24 subnets are in use", e.getMessage());
    }

    @Test
    void stateRoundTrips() {
        ClusterSubnets c = ClusterSubnets.defaults();
        c.nodeSubnet("n1");
        c.networkSubnet("a", null);
        c.networkSubnet("u", Cidr.parse("172.30.0.0/16"));
        ClusterSubnets back = ClusterSubnets.restore(c.state());
        assertEquals(c.state(), back.state());
        assertEquals("10.42.1.0/24", back.nodeSubnet("n2").toString());
        back.releaseNetwork("u");
        assertFalse(back.existingNetworkSubnet("u").isPresent());
    }

    @Test
    void badCidrs() {
        assertEquals("bad CIDR '10.42.0.0': expected ADDRESS/PREFIX, e.g. 10.43.0.0/24",
                assertThrows(NetworkException.class, () -> Cidr.parse("10.42.0.0")).getMessage());
        assertEquals("bad CIDR '10.42.0.5/24': host bits set (did you mean 10.42.0.0/24?)",
                assertThrows(NetworkException.class, () -> Cidr.parse("10.42.0.5/24")).getMessage());
        assertEquals("bad CIDR '10.300.0.0/16': '10.300.0.0' is not an IPv4 address",
                assertThrows(NetworkException.class, () -> Cidr.parse("10.300.0.0/16")).getMessage());
        assertEquals("bad CIDR '10.0.0.0/33': prefix length must be between 0 and 32",
                assertThrows(NetworkException.class, () -> Cidr.parse("10.0.0.0/33")).getMessage());
        assertTrue(Cidr.parse("10.0.0.0/8").overlaps(Cidr.parse("10.3.0.0/16")));
        assertFalse(Cidr.parse("10.42.0.0/24").overlaps(Cidr.parse("10.42.1.0/24")));
    }
}
