package io.gantry.net.host;

import io.gantry.net.ipam.Cidr;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Two test "nodes": network namespaces {@code gtst<R>a} and {@code gtst<R>b} joined by a veth
 * underlay (10.201.0.1/24 and 10.201.0.2/24). Everything the tests do happens in namespaces
 * made here; {@link #close()} cleans both nodes, checks nothing of Gantry's is left, and
 * deletes them.
 */
public final class TestNodes implements AutoCloseable {
    public static final Inet4Address UNDERLAY_A = Cidr.Ipv4.inet("10.201.0.1");
    public static final Inet4Address UNDERLAY_B = Cidr.Ipv4.inet("10.201.0.2");

    public final String id = HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
    public final String nsA = "gtst" + id + "a";
    public final String nsB = "gtst" + id + "b";
    public final NodeNetwork a;
    public final NodeNetwork b;
    private final Path stateDir;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    public TestNodes() throws IOException {
        HostCommands host = HostCommands.local();
        host.run("ip", "netns", "add", nsA);
        host.run("ip", "netns", "add", nsB);
        host.run("ip", "link", "add", "ul", "netns", nsA, "type", "veth", "peer", "name", "ul", "netns", nsB);
        for (String[] n : new String[][]{{nsA, UNDERLAY_A.getHostAddress()}, {nsB, UNDERLAY_B.getHostAddress()}}) {
            host.run("ip", "-n", n[0], "addr", "add", n[1] + "/24", "dev", "ul");
            host.run("ip", "-n", n[0], "link", "set", "ul", "up");
            host.run("ip", "-n", n[0], "link", "set", "lo", "up");
        }
        stateDir = Files.createTempDirectory("gantry-net-test");
        a = new NodeNetwork(HostCommands.in(Path.of("/run/netns", nsA)), new NetNames("t" + id + "a"), stateDir.resolve("a"));
        b = new NodeNetwork(HostCommands.in(Path.of("/run/netns", nsB)), new NetNames("t" + id + "b"), stateDir.resolve("b"));
    }

    /** A new NodeNetwork for node a with the same names and state: what a restarted agent builds. */
    public NodeNetwork restartedA() {
        return new NodeNetwork(HostCommands.in(Path.of("/run/netns", nsA)), new NetNames("t" + id + "a"), stateDir.resolve("a"));
    }

    public static Path nodePath(String ns) {
        return Path.of("/run/netns", ns);
    }

    /** Commands inside a container's namespace on a node. */
    public static HostCommands inContainer(NodeNetwork node, String container) {
        return HostCommands.in(node.names().netnsPath(container));
    }

    public <T extends AutoCloseable> T track(T c) {
        closeables.add(c);
        return c;
    }

    /** Starts a background process inside a namespace (killed on close). */
    public Process spawn(Path netns, String... cmd) throws IOException {
        List<String> argv = new ArrayList<>(List.of("nsenter", "--net=" + netns, "--"));
        argv.addAll(List.of(cmd));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        processes.add(p);
        return p;
    }

    /** A TCP echo server (Java) listening inside a namespace. */
    public ServerSocket tcpEcho(Path netns, int port) {
        ServerSocket ss = Netns.callIn(netns, () -> new ServerSocket(port));
        track(ss);
        Thread.ofVirtual().start(() -> {
            while (!ss.isClosed()) {
                try {
                    Socket s = ss.accept();
                    Thread.ofVirtual().start(() -> {
                        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                            in.transferTo(out);
                        } catch (IOException ignored) {
                            // peer went away
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
        return ss;
    }

    /** A UDP echo server (Java) inside a namespace. */
    public DatagramSocket udpEcho(Path netns, int port) {
        DatagramSocket ds = Netns.callIn(netns, () -> new DatagramSocket(port));
        track(ds);
        Thread.ofVirtual().start(() -> {
            byte[] buf = new byte[2048];
            while (!ds.isClosed()) {
                try {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    ds.receive(p);
                    ds.send(new DatagramPacket(p.getData(), p.getLength(), p.getSocketAddress()));
                } catch (IOException e) {
                    return;
                }
            }
        });
        return ds;
    }

    /** Sends a line over TCP from inside a namespace and returns what came back. */
    public static String tcpRoundTrip(Path netns, String host, int port, String message) {
        return Netns.callIn(netns, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 1500);
                s.setSoTimeout(3000);
                s.getOutputStream().write(message.getBytes(StandardCharsets.UTF_8));
                s.shutdownOutput();
                return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            }
        });
    }

    /** Sends one datagram from inside a namespace and returns the echo (or throws on timeout). */
    public static String udpRoundTrip(Path netns, String host, int port, String message) {
        return udpRoundTrip(netns, host, port, message, 3000);
    }

    public static String udpRoundTrip(Path netns, String host, int port, String message, int timeoutMs) {
        return Netns.callIn(netns, () -> {
            try (DatagramSocket s = new DatagramSocket()) {
                s.setSoTimeout(timeoutMs);
                byte[] m = message.getBytes(StandardCharsets.UTF_8);
                s.send(new DatagramPacket(m, m.length, new InetSocketAddress(host, port)));
                DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
                s.receive(p);
                return new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
            }
        });
    }

    public static boolean ping(HostCommands from, String address) {
        return from.tryRun("/bin/busybox", "ping", "-c", "1", "-W", "1", address).ok();
    }

    @Override
    public void close() throws IOException {
        for (Process p : processes) {
            p.destroyForcibly();
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (AutoCloseable c : closeables.reversed()) {
            try {
                c.close();
            } catch (Exception e) {
                // a socket that is already closed
            }
        }
        List<String> leftovers = new ArrayList<>();
        for (NodeNetwork n : List.of(a, b)) {
            HostNetworkCleaner cleaner = new HostNetworkCleaner(n);
            cleaner.cleanAll();
            leftovers.addAll(cleaner.leftovers());
        }
        HostCommands host = HostCommands.local();
        host.tryRun("ip", "netns", "del", nsA);
        host.tryRun("ip", "netns", "del", nsB);
        deleteTree(stateDir);
        try (var s = Files.list(Path.of("/run/netns"))) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.contains(id)).forEach(n -> leftovers.add("netns " + n));
        }
        assertEquals(List.of(), leftovers, "nothing of Gantry's may be left on the test nodes");
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var s = Files.walk(p)) {
            for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }
}
