package io.gantry.net.ports;

import io.gantry.net.NetworkException;
import io.gantry.net.ipam.Cidr;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Parses {@code -p} values: {@code [HOST_IP:][HOST_PORT[-END]]:CONTAINER_PORT[-END][/tcp|/udp]}
 * and {@code CONTAINER_PORT[-END][/proto]}. A range expands to one mapping per port; host and
 * container ranges must have the same length. Every error is one line naming the spec.
 */
public final class PortSpecs {
    private PortSpecs() {
    }

    public static List<PortMapping> parseAll(Collection<String> specs) {
        List<PortMapping> out = new ArrayList<>();
        for (String s : specs) {
            out.addAll(parse(s));
        }
        return out;
    }

    public static List<PortMapping> parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new NetworkException("bad port spec: empty");
        }
        String s = spec.strip();
        Protocol protocol = Protocol.TCP;
        int slash = s.lastIndexOf('/');
        if (slash >= 0) {
            protocol = Protocol.parse(s.substring(slash + 1), spec);
            s = s.substring(0, slash);
        }
        String hostIp = null;
        String hostPart = null;
        String containerPart;
        int lastColon = s.lastIndexOf(':');
        if (lastColon < 0) {
            containerPart = s;
        } else {
            containerPart = s.substring(lastColon + 1);
            String rest = s.substring(0, lastColon);
            int ipColon = rest.lastIndexOf(':');
            if (ipColon >= 0) {
                hostIp = rest.substring(0, ipColon);
                hostPart = rest.substring(ipColon + 1);
                if (hostIp.startsWith("[") || hostIp.contains(":")) {
                    throw new NetworkException("bad port spec '" + spec + "': only IPv4 host addresses are supported");
                }
                try {
                    Cidr.Ipv4.parse(hostIp);
                } catch (NetworkException e) {
                    throw new NetworkException("bad port spec '" + spec + "': " + e.getMessage());
                }
                if ("0.0.0.0".equals(hostIp)) {
                    hostIp = null;
                }
            } else {
                hostPart = rest;
            }
            if (hostPart.isEmpty()) {
                hostPart = null;
            }
        }
        int[] container = range(containerPart, spec, "container", 1);
        int[] host = hostPart == null ? null : range(hostPart, spec, "host", 1);
        List<PortMapping> out = new ArrayList<>();
        int n = container[1] - container[0] + 1;
        if (host != null && host[1] - host[0] + 1 != n) {
            throw new NetworkException("bad port spec '" + spec + "': host range " + hostPart + " and container range "
                    + containerPart + " differ in length");
        }
        for (int i = 0; i < n; i++) {
            out.add(new PortMapping(hostIp, host == null ? 0 : host[0] + i, container[0] + i, protocol));
        }
        return out;
    }

    private static int[] range(String text, String spec, String what, int min) {
        int dash = text.indexOf('-');
        int lo = port(dash < 0 ? text : text.substring(0, dash), spec, what, min);
        int hi = dash < 0 ? lo : port(text.substring(dash + 1), spec, what, min);
        if (hi < lo) {
            throw new NetworkException("bad port spec '" + spec + "': " + what + " range " + text + " ends before it starts");
        }
        return new int[]{lo, hi};
    }

    private static int port(String text, String spec, String what, int min) {
        if (text.isEmpty() || text.length() > 9 || !text.chars().allMatch(Character::isDigit)) {
            throw new NetworkException("bad port spec '" + spec + "': " + what + " port '" + text + "' is not a number");
        }
        int p = Integer.parseInt(text);
        if (p < min || p > 65535) {
            throw new NetworkException("bad port spec '" + spec + "': " + what + " port " + p + " is not between " + min + " and 65535");
        }
        return p;
    }
}
