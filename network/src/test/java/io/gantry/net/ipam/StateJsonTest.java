package io.gantry.net.ipam;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The IPAM state records survive Jackson as they are (the scheduler persists them). */
class StateJsonTest {
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void statesRoundTripThroughJson() throws Exception {
        ClusterSubnets c = ClusterSubnets.defaults();
        c.nodeSubnet("n1");
        c.networkSubnet("u", Cidr.parse("172.30.0.0/16"));
        ClusterSubnetsState s = c.state();
        assertEquals(s, json.readValue(json.writeValueAsString(s), ClusterSubnetsState.class));

        IpAllocator a = new IpAllocator(Cidr.parse("10.43.0.0/24"));
        a.allocate("c1");
        IpAllocatorState as = a.state();
        assertEquals(as, json.readValue(json.writeValueAsString(as), IpAllocatorState.class));

        VniPool v = VniPool.defaults();
        v.allocate("front");
        assertEquals(v.state(), json.readValue(json.writeValueAsString(v.state()), VniPool.State.class));
    }
}
