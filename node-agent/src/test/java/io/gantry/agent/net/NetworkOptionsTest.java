package io.gantry.agent.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NetworkOptionsTest {
    @Test
    void tagsAreShortReadableAndDifferPerRuncRoot() {
        String a = NetworkOptions.tagFor("node-1", Path.of("/run/gantry/runc-1"));
        String b = NetworkOptions.tagFor("node-1", Path.of("/run/gantry/runc-2"));
        assertTrue(a.startsWith("node1") && a.matches("[a-z0-9]{1,16}"), a);
        assertNotEquals(a, b);
        assertEquals(a, NetworkOptions.tagFor("node-1", Path.of("/run/gantry/runc-1")));
        assertTrue(NetworkOptions.tagFor("A-Very-Long-Host.Name.example", Path.of("/r")).matches("[a-z0-9]{1,16}"));
    }

    @Test
    void upstreamsFromFlagsTheHostOrNone(@TempDir Path tmp) throws Exception {
        Path resolv = Files.writeString(tmp.resolve("resolv.conf"), "nameserver 127.0.0.53\noptions edns0\n");
        assertEquals(List.of(new InetSocketAddress("127.0.0.53", 53)), NetworkOptions.parseUpstreams(List.of(), resolv));
        assertEquals(List.of(), NetworkOptions.parseUpstreams(List.of("none"), resolv));
        assertEquals(List.of(new InetSocketAddress("127.0.0.1", 5353), new InetSocketAddress("127.0.0.2", 53)),
                NetworkOptions.parseUpstreams(List.of("127.0.0.1:5353", "127.0.0.2"), resolv));
        var e = assertThrows(IllegalArgumentException.class, () -> NetworkOptions.parseUpstreams(List.of("dns.example"), resolv));
        assertEquals("invalid argument \"dns.example\" for \"--dns-upstream\": expected IP[:PORT] or none", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NetworkOptions.parseUpstreams(List.of("1.2.3.4:70000"), resolv));
    }

    @Test
    void specGetsTheNamespacePathOrNoneAndTheFiles() throws Exception {
        ObjectMapper json = new ObjectMapper();
        String spec = "{\"mounts\":[{\"destination\":\"/etc/resolv.conf\",\"type\":\"bind\",\"source\":\"/mine\"}],"
                + "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"}]}}";
        ObjectNode attached = (ObjectNode) json.readTree(spec);
        OciNetworkSpec.apply(attached, new ContainerNetworks.Prepared(ContainerNetworks.Mode.ATTACHED, Path.of("/run/netns/gnt-x-c"),
                Path.of("/s/hosts"), Path.of("/s/resolv.conf"), List.of(), ""));
        assertEquals("/run/netns/gnt-x-c", attached.at("/linux/namespaces/1/path").asText());
        assertEquals(2, attached.get("mounts").size(), "the user's own resolv.conf mount wins");
        assertEquals("/etc/hosts", attached.at("/mounts/1/destination").asText());
        ObjectNode host = (ObjectNode) json.readTree(spec);
        OciNetworkSpec.apply(host, new ContainerNetworks.Prepared(ContainerNetworks.Mode.HOST, null, null, null, List.of(), ""));
        assertEquals(1, host.at("/linux/namespaces").size(), "no network namespace: the node's");
        ObjectNode unchanged = (ObjectNode) json.readTree(spec);
        OciNetworkSpec.apply(unchanged, ContainerNetworks.Prepared.UNCHANGED);
        assertEquals(json.readTree(spec), unchanged);
    }
}
