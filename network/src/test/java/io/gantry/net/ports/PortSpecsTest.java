package io.gantry.net.ports;

import io.gantry.net.NetworkException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PortSpecsTest {
    @Test
    void forms() {
        assertEquals(List.of(new PortMapping(null, 8080, 80, Protocol.TCP)), PortSpecs.parse("8080:80"));
        assertEquals(List.of(new PortMapping("127.0.0.1", 8080, 80, Protocol.UDP)), PortSpecs.parse("127.0.0.1:8080:80/udp"));
        assertEquals(List.of(new PortMapping(null, 0, 80, Protocol.TCP)), PortSpecs.parse("80"));
        assertEquals(List.of(new PortMapping("10.0.0.1", 0, 53, Protocol.UDP)), PortSpecs.parse("10.0.0.1::53/UDP"));
        assertEquals(List.of(new PortMapping(null, 9000, 90, Protocol.TCP), new PortMapping(null, 9001, 91, Protocol.TCP)),
                PortSpecs.parse("9000-9001:90-91"));
        assertEquals(3, PortSpecs.parse("7000-7002").size());
        assertEquals(List.of(new PortMapping(null, 1, 2, Protocol.TCP)), PortSpecs.parse("0.0.0.0:1:2/tcp"));
    }

    @Test
    void oneLineErrors() {
        assertEquals("bad port spec '70000:80': host port 70000 is not between 1 and 65535", err("70000:80"));
        assertEquals("bad port spec '80:65536': container port 65536 is not between 1 and 65535", err("80:65536"));
        assertEquals("bad port spec '80/sctp': protocol 'sctp' is neither tcp nor udp", err("80/sctp"));
        assertEquals("bad port spec '90-80': container range 90-80 ends before it starts", err("90-80"));
        assertEquals("bad port spec '9000-9002:90-91': host range 9000-9002 and container range 90-91 differ in length", err("9000-9002:90-91"));
        assertEquals("bad port spec 'web': container port 'web' is not a number", err("web"));
        assertEquals("bad port spec '1.2.3:80:80': '1.2.3' is not an IPv4 address", err("1.2.3:80:80"));
    }

    private static String err(String spec) {
        return assertThrows(NetworkException.class, () -> PortSpecs.parse(spec)).getMessage();
    }

    @Test
    void chooserFillsFreePortsAndReportsConflicts() {
        HostPortChooser ch = new HostPortChooser(30000, 30003);
        List<PortMapping> used = List.of(new PortMapping(null, 30000, 1, Protocol.TCP), new PortMapping(null, 8080, 80, Protocol.TCP));
        List<PortMapping> got = ch.choose(PortSpecs.parseAll(List.of("80", "81", "53/udp")), used);
        assertEquals(List.of(30001, 30002, 30000), got.stream().map(PortMapping::hostPort).toList());
        assertEquals("host port 8080/tcp is already in use",
                HostPortChooser.conflict(PortSpecs.parse("8080:80"), used).orElseThrow());
        assertEquals(java.util.Optional.empty(), HostPortChooser.conflict(PortSpecs.parse("8080:80/udp"), used));
        NetworkException e = assertThrows(NetworkException.class, () -> ch.choose(PortSpecs.parseAll(List.of("1", "2", "3", "4")), used));
        assertEquals("no free host port for 4/tcp in 30000-30003", e.getMessage());
    }
}
