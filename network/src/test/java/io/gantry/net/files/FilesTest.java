package io.gantry.net.files;

import io.gantry.net.NetworkException;
import io.gantry.net.ipam.Cidr;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FilesTest {
    @Test
    void hostsFileHasLocalhostAddHostsAndOwnName() {
        String h = HostsFile.render("web1", List.of(Cidr.Ipv4.inet("10.42.0.5")), List.of(ExtraHost.parse("db:10.1.2.3")));
        assertTrue(h.startsWith("127.0.0.1\tlocalhost\n"), h);
        assertTrue(h.contains("10.1.2.3\tdb\n"), h);
        assertTrue(h.endsWith("10.42.0.5\tweb1\n"), h);
        assertTrue(HostsFile.render("solo", List.of(), List.of()).endsWith("127.0.1.1\tsolo\n"));
        assertEquals("bad --add-host 'db': expected NAME:IP", assertThrows(NetworkException.class, () -> ExtraHost.parse("db")).getMessage());
        assertEquals("bad --add-host 'db:1.2.3.999': '1.2.3.999' is not an IPv4 address",
                assertThrows(NetworkException.class, () -> ExtraHost.parse("db:1.2.3.999")).getMessage());
    }

    @Test
    void resolvConf() {
        ResolvConf.Parsed host = ResolvConf.parse("# c\nnameserver 10.0.0.2\nnameserver 10.0.0.3\nsearch corp.example\noptions ndots:2\n");
        assertEquals(List.of("10.0.0.2", "10.0.0.3"), host.nameservers());
        assertEquals("# written by gantry\nnameserver 10.43.0.1\noptions ndots:0\n",
                ResolvConf.render(List.of(), List.of("10.43.0.1"), List.of(), List.of("ndots:0")));
        assertEquals("# written by gantry\nnameserver 9.9.9.9\nsearch corp.example\n",
                ResolvConf.render(List.of("9.9.9.9"), List.of("10.43.0.1"), host.search(), List.of()));
        assertEquals("bad --dns 'x': 'x' is not an IPv4 address",
                assertThrows(NetworkException.class, () -> ResolvConf.render(List.of("x"), List.of(), List.of(), List.of())).getMessage());
    }

    @Test
    void networkModes() {
        assertInstanceOf(NetworkMode.None.class, NetworkMode.parse(List.of("none")));
        assertInstanceOf(NetworkMode.Host.class, NetworkMode.parse(List.of("host")));
        assertEquals(new NetworkMode.Attached(List.of("bridge")), NetworkMode.parse(List.of()));
        assertEquals(new NetworkMode.Attached(List.of("a", "b")), NetworkMode.parse(List.of("a", "b")));
        assertEquals("--network host cannot be combined with other networks",
                assertThrows(NetworkException.class, () -> NetworkMode.parse(List.of("a", "host"))).getMessage());
        assertTrue(NetworkMode.parse(List.of("a")).needsNamespace());
        assertTrue(!NetworkMode.parse(List.of("host")).needsNamespace());
    }
}
