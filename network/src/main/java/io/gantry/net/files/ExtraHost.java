package io.gantry.net.files;

import io.gantry.net.NetworkException;
import io.gantry.net.ipam.Cidr;

/** An {@code --add-host NAME:IP} entry. */
public record ExtraHost(String name, String address) {
    public static ExtraHost parse(String spec) {
        int colon = spec == null ? -1 : spec.indexOf(':');
        if (colon <= 0 || colon == spec.length() - 1) {
            throw new NetworkException("bad --add-host '" + spec + "': expected NAME:IP");
        }
        String name = spec.substring(0, colon).strip();
        String ip = spec.substring(colon + 1).strip();
        if (!name.matches("[A-Za-z0-9]([A-Za-z0-9.-]{0,252})")) {
            throw new NetworkException("bad --add-host '" + spec + "': '" + name + "' is not a host name");
        }
        try {
            Cidr.Ipv4.parse(ip);
        } catch (NetworkException e) {
            throw new NetworkException("bad --add-host '" + spec + "': " + e.getMessage());
        }
        return new ExtraHost(name, ip);
    }
}
