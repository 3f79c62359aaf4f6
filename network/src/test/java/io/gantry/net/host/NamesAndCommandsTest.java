package io.gantry.net.host;

import io.gantry.net.NetworkException;
import io.gantry.net.ipam.Cidr;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NamesAndCommandsTest {
    @Test
    void namesAreDeterministicShortAndRecognised() {
        NetNames n = new NetNames("n1");
        assertEquals(Path.of("/run/netns/gnt-n1-abc123"), n.netnsPath("abc123"));
        assertEquals(NetNames.hostVeth("abc123", 2), NetNames.hostVeth("abc123", 2));
        assertFalse(NetNames.hostVeth("abc123", 0).equals(NetNames.hostVeth("abc124", 0)));
        for (String link : new String[]{NetNames.NODE_BRIDGE, NetNames.overlayBridge(16_777_215), NetNames.vxlan(4096),
                NetNames.hostVeth("x", 0), NetNames.hostVeth("x", 99)}) {
            assertTrue(link.length() <= 15, link);
            assertTrue(NetNames.OUR_LINK.matcher(link).matches(), link);
        }
        assertFalse(NetNames.OUR_LINK.matcher("gantry-lc0").matches());
        assertFalse(NetNames.OUR_LINK.matcher("eth0").matches());
        assertEquals("VNI 0 is not between 1 and 16777215", assertThrows(NetworkException.class, () -> NetNames.vxlan(0)).getMessage());
        assertEquals("bad node tag 'Node 1': use 1-16 lowercase letters or digits",
                assertThrows(NetworkException.class, () -> new NetNames("Node 1")).getMessage());
        assertEquals("bad container id '../x' for a network namespace name",
                assertThrows(NetworkException.class, () -> n.netnsName("../x")).getMessage());
        assertEquals("02:42:0a:2b:00:02", Macs.fromIp(Cidr.Ipv4.inet("10.43.0.2")));
    }

    @Test
    void failuresAreOneLineWithTheCommandAndItsStderr() {
        NetworkException e = assertThrows(NetworkException.class,
                () -> HostCommands.local().run("ip", "link", "show", "dev", "gntnosuchlink"));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().startsWith("'ip link show dev gntnosuchlink' failed (exit 1): "), e.getMessage());
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        assertEquals("hello\n", HostCommands.local().runWithInput("hello\n", "cat"));
    }
}
