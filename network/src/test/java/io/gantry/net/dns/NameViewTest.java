package io.gantry.net.dns;

import io.gantry.net.ipam.Cidr;
import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NameViewTest {
    static DnsMember m(String id, String ip, Set<String> names, Set<String> services, boolean healthy) {
        return new DnsMember(id, Cidr.Ipv4.inet(ip), names, services, healthy);
    }

    @Test
    void namesAliasesAndRotatedServices() {
        NameView v = new NameView("front");
        v.upsert(m("a", "10.43.0.2", Set.of("web-1", "Alias.A."), Set.of("web"), true));
        v.upsert(m("b", "10.43.0.3", Set.of("web-2"), Set.of("web"), true));
        v.upsert(m("c", "10.43.0.4", Set.of("web-3"), Set.of("web"), false));
        assertEquals(List.of(Cidr.Ipv4.inet("10.43.0.2")), v.resolve("alias.a"));
        assertEquals(List.of(Cidr.Ipv4.inet("10.43.0.4")), v.resolve("WEB-3."), "unhealthy members keep their own name");
        Set<Inet4Address> firsts = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            List<Inet4Address> r = v.resolve("web");
            assertEquals(2, r.size());
            firsts.add(r.getFirst());
        }
        assertEquals(2, firsts.size(), "rotated");
        v.upsert(m("c", "10.43.0.4", Set.of("web-3"), Set.of("web"), true));
        assertEquals(3, v.resolve("web").size());
        v.remove("b");
        assertEquals(2, v.resolve("web").size());
        assertFalse(v.knows("web-2"));
        assertTrue(v.knows("web"));
    }
}
