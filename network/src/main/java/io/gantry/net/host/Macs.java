package io.gantry.net.host;

import java.net.Inet4Address;

/**
 * A container interface's MAC derived from its IPv4 address, Docker-style {@code 02:42:a:b:c:d}:
 * a remote node can program forwarding entries from the address alone, without asking.
 */
public final class Macs {
    private Macs() {
    }

    public static String fromIp(Inet4Address ip) {
        byte[] b = ip.getAddress();
        return String.format("02:42:%02x:%02x:%02x:%02x", b[0] & 255, b[1] & 255, b[2] & 255, b[3] & 255);
    }
}
