package io.gantry.net.host;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gantry.net.dns.BuiltinDns;
import io.gantry.net.dns.DnsMember;
import io.gantry.net.dns.NameView;
import io.gantry.net.files.HostsFile;
import io.gantry.net.files.ResolvConf;
import io.gantry.net.ipam.Cidr;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The way the agent will use it: a real runc container joins the namespace made by
 * {@link NodeNetwork#createNamespace} through the OCI spec's network namespace path, with the
 * generated /etc/hosts and /etc/resolv.conf bind-mounted, and reaches a container on the other
 * node by address and by name through the built-in DNS.
 */
class RuncContainerTest {
    private TestNodes nodes;
    private Path bundle;
    private String runcId;

    @BeforeEach
    void up() throws Exception {
        nodes = new TestNodes();
        bundle = Files.createTempDirectory("gantry-net-runc");
        runcId = "gnttest" + nodes.id;
    }

    @AfterEach
    void down() throws Exception {
        try {
            HostCommands.local().tryRun("runc", "delete", "-f", runcId);
            try (var s = Files.walk(bundle)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        } finally {
            nodes.close();
        }
    }

    @Test
    void runcContainerUsesTheNamespaceHostsAndResolvConf() throws Exception {
        BridgeNetwork net = BridgeNetwork.overlay("front", 4801, Cidr.parse("10.43.20.0/24"), false, 1500);
        nodes.a.ensureNetwork(net, TestNodes.UNDERLAY_A);
        nodes.b.ensureNetwork(net, TestNodes.UNDERLAY_B);
        Path netns = nodes.a.createNamespace("app");
        nodes.b.createNamespace("db");
        nodes.a.attach(new Attachment("app", 0, net, Cidr.Ipv4.inet("10.43.20.2"), true));
        nodes.b.attach(new Attachment("db", 0, net, Cidr.Ipv4.inet("10.43.20.3"), true));
        List<OverlayPeer> peers = List.of(new OverlayPeer(Cidr.Ipv4.inet("10.43.20.2"), TestNodes.UNDERLAY_A),
                new OverlayPeer(Cidr.Ipv4.inet("10.43.20.3"), TestNodes.UNDERLAY_B));
        nodes.a.syncPeers(net, TestNodes.UNDERLAY_A, peers);
        nodes.b.syncPeers(net, TestNodes.UNDERLAY_B, peers);

        try (BuiltinDns dns = new BuiltinDns(List.of(), Duration.ofMillis(200), BuiltinDns.DNS_PORT, 1)) {
            NameView view = dns.serve("front", net.gateway(), TestNodes.nodePath(nodes.nsA));
            view.upsert(new DnsMember("db", Cidr.Ipv4.inet("10.43.20.3"), Set.of("db"), Set.of(), true));

            Path rootfs = Files.createDirectories(bundle.resolve("rootfs/bin"));
            Files.copy(Path.of("/bin/busybox"), rootfs.resolve("busybox"), StandardCopyOption.COPY_ATTRIBUTES);
            Files.createDirectories(bundle.resolve("rootfs/etc"));
            Files.writeString(bundle.resolve("hosts"), HostsFile.render("app", List.of(Cidr.Ipv4.inet("10.43.20.2")), List.of()));
            Files.writeString(bundle.resolve("resolv.conf"),
                    ResolvConf.render(List.of(), List.of(net.gateway().getHostAddress()), List.of(), List.of("ndots:0")));
            HostCommands.local().run("runc", "spec", "--bundle", bundle.toString());
            ObjectMapper json = new ObjectMapper();
            ObjectNode config = (ObjectNode) json.readTree(bundle.resolve("config.json").toFile());
            ObjectNode process = (ObjectNode) config.get("process");
            process.put("terminal", false);
            // Gantry's container profile has NET_RAW (runc's sample spec does not); busybox ping needs it.
            for (String set : List.of("bounding", "effective", "permitted")) {
                ((ArrayNode) process.get("capabilities").get(set)).add("CAP_NET_RAW");
            }
            ArrayNode args = process.putArray("args");
            args.add("/bin/busybox").add("sh").add("-c").add(
                    "/bin/busybox ip -o -4 addr show eth0; echo ip=$?; /bin/busybox cat /etc/hosts /etc/resolv.conf; /bin/busybox nslookup db; "
                            + "echo nslookup=$?; /bin/busybox ping -c 1 -W 2 db; echo ping=$?");
            for (var ns : config.get("linux").get("namespaces")) {
                if (ns.get("type").asText().equals("network")) {
                    ((ObjectNode) ns).put("path", netns.toString());
                }
            }
            ArrayNode mounts = (ArrayNode) config.get("mounts");
            for (String f : List.of("hosts", "resolv.conf")) {
                ObjectNode m = mounts.addObject();
                m.put("destination", "/etc/" + f);
                m.put("type", "bind");
                m.put("source", bundle.resolve(f).toString());
                m.putArray("options").add("rbind").add("ro");
            }
            json.writeValue(bundle.resolve("config.json").toFile(), config);

            HostCommands.Result r = HostCommands.local().tryRun("runc", "run", "--bundle", bundle.toString(), runcId);
            String out = r.stdout() + r.stderr();
            assertTrue(r.ok() && out.contains("ip=0") && out.contains("nslookup=0") && out.contains("ping=0"), out);
            assertTrue(out.contains("10.43.20.2\tapp"), out);
            assertTrue(out.contains("10.43.20.2/24"), out);
            assertTrue(out.contains("Address: 10.43.20.3"), out);
        }
    }
}
