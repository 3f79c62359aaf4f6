package io.gantry.net.files;

import java.net.Inet4Address;
import java.util.List;

/** The content of a container's {@code /etc/hosts}. Pure. */
public final class HostsFile {
    private HostsFile() {
    }

    /**
     * @param hostname  the container's host name (resolves to its first address, or 127.0.1.1 without one)
     * @param addresses the container's addresses, eth0 first
     * @param extra     --add-host entries, in order
     */
    public static String render(String hostname, List<Inet4Address> addresses, List<ExtraHost> extra) {
        StringBuilder b = new StringBuilder();
        b.append("127.0.0.1\tlocalhost\n");
        b.append("::1\tlocalhost ip6-localhost ip6-loopback\n");
        b.append("fe00::0\tip6-localnet\n");
        b.append("ff00::0\tip6-mcastprefix\n");
        b.append("ff02::1\tip6-allnodes\n");
        b.append("ff02::2\tip6-allrouters\n");
        for (ExtraHost h : extra) {
            b.append(h.address()).append('\t').append(h.name()).append('\n');
        }
        if (hostname != null && !hostname.isBlank()) {
            b.append(addresses.isEmpty() ? "127.0.1.1" : addresses.getFirst().getHostAddress()).append('\t').append(hostname).append('\n');
        }
        return b.toString();
    }
}
