package io.gantry.net.dns;

import io.gantry.net.host.Attachment;
import io.gantry.net.host.BridgeNetwork;
import io.gantry.net.host.HostCommands;
import io.gantry.net.host.TestNodes;
import io.gantry.net.ipam.Cidr;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The built-in DNS listening on overlay gateways inside a test node, queried by busybox
 * nslookup from container namespaces; the upstream is a fake on 127.0.0.1.
 */
class BuiltinDnsTest {
    private static final Pattern ADDRESS = Pattern.compile("(?m)^Address:\\s+(\\d+\\.\\d+\\.\\d+\\.\\d+)\\s*$");
    private TestNodes nodes;
    private FakeUpstream upstream;
    private BuiltinDns dns;

    @BeforeEach
    void up() throws Exception {
        nodes = new TestNodes();
        upstream = new FakeUpstream(Map.of("outside.test.", new byte[]{(byte) 198, 51, 100, 7}));
        dns = new BuiltinDns(List.of(upstream.address()), Duration.ofSeconds(1), BuiltinDns.DNS_PORT, 42);
    }

    @AfterEach
    void down() throws Exception {
        try {
            dns.close();
            upstream.close();
        } finally {
            nodes.close();
        }
    }

    private BridgeNetwork network(String name, int vni, String subnet, String querier, String querierIp) {
        BridgeNetwork net = BridgeNetwork.overlay(name, vni, Cidr.parse(subnet), false, 1500);
        nodes.a.ensureNetwork(net, TestNodes.UNDERLAY_A);
        nodes.a.createNamespace(querier);
        nodes.a.attach(new Attachment(querier, 0, net, Cidr.Ipv4.inet(querierIp), true));
        return net;
    }

    private List<String> lookup(String container, String name, BridgeNetwork net) {
        HostCommands in = TestNodes.inContainer(nodes.a, container);
        HostCommands.Result r = in.tryRun("/bin/busybox", "nslookup", "-type=a", name, net.gateway().getHostAddress());
        List<String> out = new ArrayList<>();
        Matcher m = ADDRESS.matcher(r.stdout());
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static DnsMember member(String id, String ip, Set<String> names, Set<String> services) {
        return new DnsMember(id, Cidr.Ipv4.inet(ip), names, services, true);
    }

    @Test
    void namesAliasesServicesRemovalAndForwardingPerNetwork() {
        BridgeNetwork front = network("front", 5101, "10.43.10.0/24", "q", "10.43.10.9");
        BridgeNetwork back = network("back", 5102, "10.43.11.0/24", "qb", "10.43.11.9");
        NameView view = dns.serve("front", front.gateway(), TestNodes.nodePath(nodes.nsA));
        NameView backView = dns.serve("back", back.gateway(), TestNodes.nodePath(nodes.nsA));
        view.upsert(member("c1", "10.43.10.2", Set.of("web-1", "api"), Set.of("web")));
        view.upsert(member("c2", "10.43.10.3", Set.of("web-2"), Set.of("web")));
        view.upsert(member("c3", "10.43.10.4", Set.of("web-3"), Set.of("web")));
        backView.upsert(member("d1", "10.43.11.2", Set.of("db"), Set.of()));

        assertEquals(List.of("10.43.10.3"), lookup("q", "web-2", front));
        assertEquals(List.of("10.43.10.2"), lookup("q", "api", front), "alias");
        List<String> web = lookup("q", "web", front);
        assertEquals(Set.of("10.43.10.2", "10.43.10.3", "10.43.10.4"), Set.copyOf(web), "3-member service");
        assertEquals(3, web.size());
        List<String> again = lookup("q", "web", front);
        assertTrue(!again.getFirst().equals(web.getFirst()), "rotated: " + web + " then " + again);

        view.remove("c2");
        assertEquals(Set.of("10.43.10.2", "10.43.10.4"), Set.copyOf(lookup("q", "web", front)), "removed member gone at once");
        assertEquals(List.of(), lookup("q", "web-2", front));

        assertEquals(List.of("198.51.100.7"), lookup("q", "outside.test", front), "forwarded to the upstream");
        assertTrue(upstream.asked.contains("outside.test. A"), upstream.asked.toString());
        assertTrue(upstream.asked.stream().noneMatch(a -> a.startsWith("web. ") || a.startsWith("api. ") || a.startsWith("web-1. ")),
                "own names are never forwarded: " + upstream.asked);

        // Each network sees only its own names: "web" is unknown on back, "db" unknown on front.
        assertEquals(List.of("10.43.11.2"), lookup("qb", "db", back));
        assertEquals(List.of(), lookup("qb", "web", back));
        assertEquals(List.of(), lookup("q", "db", front));

        // A container on both networks (same member id on each) resolves the names of both via its first gateway.
        view.upsert(member("q", "10.43.10.9", Set.of("q"), Set.of()));
        backView.upsert(member("q", "10.43.11.50", Set.of("q"), Set.of()));
        assertEquals(List.of("10.43.11.2"), lookup("q", "db", front));
        assertEquals(List.of(), lookup("qb", "web", back), "qb is only on back");

        // stop frees the gateway's port: serving again starts from an empty view.
        dns.stop("back");
        dns.serve("back", back.gateway(), TestNodes.nodePath(nodes.nsA));
        assertEquals(List.of(), lookup("qb", "db", back));
    }

    /** One A query over TCP from inside a namespace, encoded and decoded with Netty's TCP DNS codec. */
    private static List<String> tcpLookup(java.nio.file.Path netns, String server, String name) {
        return io.gantry.net.host.Netns.callIn(netns, () -> {
            io.netty.channel.embedded.EmbeddedChannel enc = new io.netty.channel.embedded.EmbeddedChannel(new io.netty.handler.codec.dns.TcpDnsQueryEncoder());
            io.netty.handler.codec.dns.DefaultDnsQuery q = new io.netty.handler.codec.dns.DefaultDnsQuery(7);
            q.addRecord(io.netty.handler.codec.dns.DnsSection.QUESTION,
                    new io.netty.handler.codec.dns.DefaultDnsQuestion(name, io.netty.handler.codec.dns.DnsRecordType.A));
            enc.writeOutbound(q);
            io.netty.buffer.ByteBuf out = enc.readOutbound();
            byte[] bytes = io.netty.buffer.ByteBufUtil.getBytes(out);
            out.release();
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(new InetSocketAddress(server, 53), 2000);
                s.setSoTimeout(2000);
                s.getOutputStream().write(bytes);
                java.io.DataInputStream in = new java.io.DataInputStream(s.getInputStream());
                int len = in.readUnsignedShort();
                byte[] body = new byte[len];
                in.readFully(body);
                io.netty.channel.embedded.EmbeddedChannel dec = new io.netty.channel.embedded.EmbeddedChannel(new io.netty.handler.codec.dns.TcpDnsResponseDecoder());
                io.netty.buffer.ByteBuf frame = io.netty.buffer.Unpooled.buffer(len + 2).writeShort(len).writeBytes(body);
                dec.writeInbound(frame);
                io.netty.handler.codec.dns.DnsResponse r = dec.readInbound();
                List<String> addresses = new ArrayList<>();
                for (int i = 0; i < r.count(io.netty.handler.codec.dns.DnsSection.ANSWER); i++) {
                    io.netty.handler.codec.dns.DnsRawRecord a = r.recordAt(io.netty.handler.codec.dns.DnsSection.ANSWER, i);
                    addresses.add(java.net.InetAddress.getByAddress(io.netty.buffer.ByteBufUtil.getBytes(a.content())).getHostAddress());
                }
                r.release();
                return addresses;
            }
        });
    }

    @Test
    void bigServicesAreCappedOverUdpAndCompleteOverTcp() {
        BridgeNetwork front = network("front", 5201, "10.43.12.0/24", "q", "10.43.12.9");
        NameView view = dns.serve("front", front.gateway(), TestNodes.nodePath(nodes.nsA));
        for (int i = 0; i < 25; i++) {
            view.upsert(member("m" + i, "10.43.12." + (100 + i), Set.of("m" + i), Set.of("big")));
        }
        assertEquals(BuiltinDns.MAX_ANSWERS, lookup("q", "big", front).size());
        java.nio.file.Path ns = nodes.a.names().netnsPath("q");
        assertEquals(25, tcpLookup(ns, front.gateway().getHostAddress(), "big.").size());
        assertEquals(List.of("10.43.12.105"), tcpLookup(ns, front.gateway().getHostAddress(), "m5."));
        assertEquals(List.of("198.51.100.7"), tcpLookup(ns, front.gateway().getHostAddress(), "outside.test."), "forwarded over TCP");
    }
}
