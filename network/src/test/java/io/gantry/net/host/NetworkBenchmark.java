package io.gantry.net.host;

import io.gantry.net.ipam.Cidr;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Not a test: {@code network/bench.sh} runs it. Measures on two test nodes (namespaces joined by a
 * veth underlay) TCP throughput container-to-container over VXLAN vs node-to-node over the
 * underlay (iperf3), and the time to create a container namespace and attach it to a network.
 */
public final class NetworkBenchmark {
    private static final Pattern RECEIVED = Pattern.compile("\"sum_received\"\\s*:\\s*\\{[^}]*?\"bits_per_second\"\\s*:\\s*([0-9.eE+]+)", Pattern.DOTALL);

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int attaches = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        try (TestNodes nodes = new TestNodes()) {
            BridgeNetwork net = BridgeNetwork.overlay("bench", 4999, Cidr.parse("10.43.99.0/24"), false,
                    nodes.a.mtuOfDeviceWith(TestNodes.UNDERLAY_A));
            nodes.a.ensureNetwork(net, TestNodes.UNDERLAY_A);
            nodes.b.ensureNetwork(net, TestNodes.UNDERLAY_B);
            nodes.a.createNamespace("ca");
            nodes.b.createNamespace("cb");
            nodes.a.attach(new Attachment("ca", 0, net, Cidr.Ipv4.inet("10.43.99.2"), true));
            nodes.b.attach(new Attachment("cb", 0, net, Cidr.Ipv4.inet("10.43.99.3"), true));
            List<OverlayPeer> peers = List.of(new OverlayPeer(Cidr.Ipv4.inet("10.43.99.2"), TestNodes.UNDERLAY_A),
                    new OverlayPeer(Cidr.Ipv4.inet("10.43.99.3"), TestNodes.UNDERLAY_B));
            nodes.a.syncPeers(net, TestNodes.UNDERLAY_A, peers);
            nodes.b.syncPeers(net, TestNodes.UNDERLAY_B, peers);

            double underlay = iperf(nodes, TestNodes.nodePath(nodes.nsB), TestNodes.nodePath(nodes.nsA), "10.201.0.2", seconds);
            double vxlan = iperf(nodes, nodes.b.names().netnsPath("cb"), nodes.a.names().netnsPath("ca"), "10.43.99.3", seconds);
            System.out.printf("node-to-node (veth underlay, MTU %d): %.2f Gbit/s%n", nodes.a.mtuOfDeviceWith(TestNodes.UNDERLAY_A), underlay / 1e9);
            System.out.printf("container-to-container over VXLAN (MTU %d): %.2f Gbit/s%n", net.mtu(), vxlan / 1e9);
            System.out.printf("ratio VXLAN / underlay: %.2f%n", vxlan / underlay);

            List<Double> nsMs = new ArrayList<>();
            List<Double> attachMs = new ArrayList<>();
            for (int i = 0; i < attaches; i++) {
                String c = "bench" + i;
                long t0 = System.nanoTime();
                nodes.a.createNamespace(c);
                long t1 = System.nanoTime();
                nodes.a.attach(new Attachment(c, 0, net, Cidr.Ipv4.inet("10.43.99." + (10 + i)), true));
                long t2 = System.nanoTime();
                nsMs.add((t1 - t0) / 1e6);
                attachMs.add((t2 - t1) / 1e6);
            }
            List<OverlayPeer> many = new ArrayList<>(peers);
            for (int i = 0; i < 50; i++) {
                many.add(new OverlayPeer(Cidr.Ipv4.inet("10.43.99." + (100 + i)), TestNodes.UNDERLAY_B));
            }
            long s0 = System.nanoTime();
            nodes.a.syncPeers(net, TestNodes.UNDERLAY_A, many);
            long s1 = System.nanoTime();
            nodes.a.syncPeers(net, TestNodes.UNDERLAY_A, many);
            long s2 = System.nanoTime();
            System.out.printf("create namespace: median %.1f ms, p95 %.1f ms (n=%d)%n", pct(nsMs, 50), pct(nsMs, 95), attaches);
            System.out.printf("attach (veth, address, route): median %.1f ms, p95 %.1f ms (n=%d)%n", pct(attachMs, 50), pct(attachMs, 95), attaches);
            System.out.printf("syncPeers adding 50 remote members: %.1f ms; again with no change: %.1f ms%n", (s1 - s0) / 1e6, (s2 - s1) / 1e6);
        }
    }

    private static double iperf(TestNodes nodes, Path serverNs, Path clientNs, String server, int seconds) throws Exception {
        Process s = nodes.spawn(serverNs, "iperf3", "-s", "-1", "-p", "5201");
        HostCommands client = HostCommands.in(clientNs);
        for (int i = 0; i < 50; i++) {
            HostCommands.Result r = client.tryRun("iperf3", "-c", server, "-p", "5201", "-t", Integer.toString(seconds), "-J");
            if (r.ok()) {
                s.waitFor();
                Matcher m = RECEIVED.matcher(r.stdout());
                if (!m.find()) {
                    throw new IllegalStateException("no sum_received in iperf3 output");
                }
                return Double.parseDouble(m.group(1));
            }
            Thread.sleep(100); // the server is not listening yet
        }
        throw new IllegalStateException("iperf3 client never connected to " + server);
    }

    private static double pct(List<Double> v, int p) {
        List<Double> s = new ArrayList<>(v);
        Collections.sort(s);
        return s.get(Math.min(s.size() - 1, (int) Math.ceil(p / 100.0 * s.size()) - 1));
    }
}
