package io.gantry.net.files;

import io.gantry.net.NetworkException;
import io.gantry.net.ipam.Cidr;

import java.util.ArrayList;
import java.util.List;

/** Parses the host's and renders a container's {@code /etc/resolv.conf}. Pure. */
public final class ResolvConf {
    private ResolvConf() {
    }

    public record Parsed(List<String> nameservers, List<String> search, List<String> options) {
    }

    public static Parsed parse(String content) {
        List<String> ns = new ArrayList<>();
        List<String> search = new ArrayList<>();
        List<String> options = new ArrayList<>();
        for (String line : content.split("\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#") || l.startsWith(";")) {
                continue;
            }
            String[] t = l.split("\\s+");
            switch (t[0]) {
                case "nameserver" -> {
                    if (t.length > 1) {
                        ns.add(t[1]);
                    }
                }
                case "search", "domain" -> search.addAll(List.of(t).subList(1, t.length));
                case "options" -> options.addAll(List.of(t).subList(1, t.length));
                default -> {
                }
            }
        }
        return new Parsed(ns, search, options);
    }

    /**
     * A container's resolv.conf: the --dns servers if given, else the given defaults (the
     * network's gateway for the built-in DNS, or the host's servers for --network host/none).
     */
    public static String render(List<String> dnsFlags, List<String> defaults, List<String> search, List<String> options) {
        for (String s : dnsFlags) {
            try {
                Cidr.Ipv4.parse(s);
            } catch (NetworkException e) {
                throw new NetworkException("bad --dns '" + s + "': " + e.getMessage());
            }
        }
        List<String> servers = dnsFlags.isEmpty() ? defaults : dnsFlags;
        StringBuilder b = new StringBuilder("# written by gantry\n");
        for (String s : servers) {
            b.append("nameserver ").append(s).append('\n');
        }
        if (!search.isEmpty()) {
            b.append("search ").append(String.join(" ", search)).append('\n');
        }
        if (!options.isEmpty()) {
            b.append("options ").append(String.join(" ", options)).append('\n');
        }
        return b.toString();
    }
}
