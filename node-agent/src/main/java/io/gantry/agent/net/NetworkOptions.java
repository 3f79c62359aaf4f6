package io.gantry.agent.net;

import io.gantry.net.dns.BuiltinDns;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * How the agent does container networking.
 *
 * @param enabled      false: containers keep runc's own loopback-only namespace (simulated runtime, some tests)
 * @param nodeTag      names this node's namespaces ({@code gnt-<tag>-<id>}): unique among agents of one host
 * @param stateDir     per-container network state and journaled sysctls (on /run: gone at reboot, like the namespaces)
 * @param nodeNetns    the namespace the node's bridges live in; null: the agent's own (tests use a throw-away one)
 * @param dnsUpstreams where the built-in DNS forwards names it does not know; empty: SERVFAIL for them
 * @param dnsPort      53; tests may use another
 */
public record NetworkOptions(boolean enabled, String nodeTag, Path stateDir, Path nodeNetns,
                             List<InetSocketAddress> dnsUpstreams, int dnsPort) {
    public NetworkOptions {
        dnsUpstreams = dnsUpstreams == null ? List.of() : List.copyOf(dnsUpstreams);
    }

    public static NetworkOptions disabled() {
        return new NetworkOptions(false, "off", null, null, List.of(), BuiltinDns.DNS_PORT);
    }

    /** Networking for an agent named {@code nodeName} whose runc state is under {@code runcRoot}. */
    public static NetworkOptions forAgent(String nodeName, Path runcRoot, List<InetSocketAddress> dnsUpstreams) {
        return new NetworkOptions(true, tagFor(nodeName, runcRoot), stateDirFor(runcRoot), null, dnsUpstreams, BuiltinDns.DNS_PORT);
    }

    public NetworkOptions inNamespace(Path netns) {
        return new NetworkOptions(enabled, nodeTag, stateDir, netns, dnsUpstreams, dnsPort);
    }

    public NetworkOptions withDnsPort(int port) {
        return new NetworkOptions(enabled, nodeTag, stateDir, nodeNetns, dnsUpstreams, port);
    }

    /** Beside the runc root: /run/gantry/runc -> /run/gantry/runc-net. */
    public static Path stateDirFor(Path runcRoot) {
        return runcRoot.resolveSibling(runcRoot.getFileName() + "-net");
    }

    /**
     * A node tag: up to 9 lowercase letters and digits of the node name, then 6 hex digits of a hash of the
     * runc root (node-1 -> node1a3f09c). The hash keeps agents of one host apart even when they share a
     * node name (a `gantry dev` and a local cluster's node-1); both inputs are known to whoever cleans up.
     */
    public static String tagFor(String nodeName, Path runcRoot) {
        String plain = nodeName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
        plain = plain.substring(0, Math.min(9, plain.length()));
        try {
            byte[] h = MessageDigest.getInstance("SHA-256")
                    .digest(runcRoot.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
            return plain + HexFormat.of().formatHex(h, 0, 3);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * {@code --dns-upstream IP[:PORT]} values; none given: the host's /etc/resolv.conf; the single value
     * "none": no upstream at all (the built-in DNS answers only cluster names).
     */
    public static List<InetSocketAddress> parseUpstreams(List<String> values, Path hostResolvConf) {
        if (values == null || values.isEmpty()) {
            try {
                return BuiltinDns.hostUpstreams(hostResolvConf);
            } catch (RuntimeException unreadable) {
                return List.of();
            }
        }
        if (values.size() == 1 && values.getFirst().equals("none")) {
            return List.of();
        }
        List<InetSocketAddress> out = new ArrayList<>();
        for (String v : values) {
            int colon = v.lastIndexOf(':');
            String host = colon > 0 ? v.substring(0, colon) : v;
            int port = BuiltinDns.DNS_PORT;
            if (colon > 0) {
                try {
                    port = Integer.parseInt(v.substring(colon + 1));
                } catch (NumberFormatException e) {
                    port = -1;
                }
            }
            if (!host.matches("(25[0-5]|2[0-4]\\d|1?\\d?\\d)(\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)){3}") || port < 1 || port > 65535) {
                throw new IllegalArgumentException("invalid argument \"" + v + "\" for \"--dns-upstream\": expected IP[:PORT] or none");
            }
            out.add(new InetSocketAddress(InetAddress.ofLiteral(host), port));
        }
        return out;
    }
}
