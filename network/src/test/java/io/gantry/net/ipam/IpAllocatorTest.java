package io.gantry.net.ipam;

import io.gantry.net.NetworkException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class IpAllocatorTest {
    @Test
    void gatewayIsDotOneAndAddressesStartAtDotTwo() {
        IpAllocator a = new IpAllocator(Cidr.parse("10.42.3.0/24"));
        assertEquals("10.42.3.1", a.gateway().getHostAddress());
        assertEquals("10.42.3.2", a.allocate("c1").getHostAddress());
        assertEquals("10.42.3.3", a.allocate("c2").getHostAddress());
        assertEquals("10.42.3.2", a.allocate("c1").getHostAddress(), "idempotent per owner");
    }

    @Test
    void releasedAddressesAreReusedLast() {
        IpAllocator a = new IpAllocator(Cidr.parse("10.42.3.0/29")); // usable .2 .. .6
        a.allocate("a");
        a.allocate("b");
        a.release("a");
        assertEquals("10.42.3.4", a.allocate("c").getHostAddress());
        a.allocate("d");
        a.allocate("e");
        assertEquals("10.42.3.2", a.allocate("f").getHostAddress(), "wraps around to the freed address");
        NetworkException e = assertThrows(NetworkException.class, () -> a.allocate("g"));
        assertEquals("subnet 10.42.3.0/29 is exhausted: all 5 addresses are in use", e.getMessage());
    }

    @Test
    void reserveChecksSubnetAndHolders() {
        IpAllocator a = new IpAllocator(Cidr.parse("10.43.0.0/24"));
        a.reserve("x", Cidr.Ipv4.inet("10.43.0.50"));
        assertEquals("address 10.43.0.50 is already in use by x",
                assertThrows(NetworkException.class, () -> a.reserve("y", Cidr.Ipv4.inet("10.43.0.50"))).getMessage());
        assertEquals("address 10.43.1.5 is not in subnet 10.43.0.0/24",
                assertThrows(NetworkException.class, () -> a.reserve("y", Cidr.Ipv4.inet("10.43.1.5"))).getMessage());
        assertEquals("address 10.43.0.1 is reserved in subnet 10.43.0.0/24 (network, gateway or broadcast)",
                assertThrows(NetworkException.class, () -> a.reserve("y", Cidr.Ipv4.inet("10.43.0.1"))).getMessage());
    }

    @Test
    void stateRoundTrips() {
        IpAllocator a = new IpAllocator(Cidr.parse("10.42.3.0/24"));
        a.allocate("a");
        a.allocate("b");
        a.release("a");
        IpAllocator back = IpAllocator.restore(a.state());
        assertEquals(a.state(), back.state());
        assertEquals("10.42.3.4", back.allocate("c").getHostAddress());
    }
}
