package io.gantry.net.ipam;

import io.gantry.net.NetworkException;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 subnet, e.g. {@code 10.42.3.0/24}. The address is always the network address
 * (host bits zero): "10.42.3.7/24" is refused as a bad CIDR rather than silently widened.
 */
public record Cidr(int network, int prefix) {
    public Cidr {
        if (prefix < 0 || prefix > 32) {
            throw new NetworkException("bad CIDR: prefix length " + prefix + " is not between 0 and 32");
        }
        if ((network & ~mask(prefix)) != 0) {
            throw new NetworkException("bad CIDR: " + Ipv4.format(network) + "/" + prefix + " has host bits set (did you mean "
                    + Ipv4.format(network & mask(prefix)) + "/" + prefix + "?)");
        }
    }

    public static Cidr parse(String text) {
        if (text == null || text.isBlank()) {
            throw new NetworkException("bad CIDR: empty");
        }
        String t = text.strip();
        int slash = t.indexOf('/');
        if (slash < 0) {
            throw new NetworkException("bad CIDR '" + t + "': expected ADDRESS/PREFIX, e.g. 10.43.0.0/24");
        }
        int prefix;
        try {
            prefix = Integer.parseInt(t.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new NetworkException("bad CIDR '" + t + "': prefix length is not a number");
        }
        if (prefix < 0 || prefix > 32) {
            throw new NetworkException("bad CIDR '" + t + "': prefix length must be between 0 and 32");
        }
        int addr;
        try {
            addr = Ipv4.parse(t.substring(0, slash));
        } catch (NetworkException e) {
            throw new NetworkException("bad CIDR '" + t + "': " + e.getMessage());
        }
        if ((addr & ~mask(prefix)) != 0) {
            throw new NetworkException("bad CIDR '" + t + "': host bits set (did you mean " + Ipv4.format(addr & mask(prefix)) + "/" + prefix + "?)");
        }
        return new Cidr(addr, prefix);
    }

    static int mask(int prefix) {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    public int mask() {
        return mask(prefix);
    }

    /** Number of addresses in the subnet (2^(32-prefix)). */
    public long size() {
        return 1L << (32 - prefix);
    }

    public int broadcast() {
        return network | ~mask();
    }

    public boolean contains(int address) {
        return (address & mask()) == network;
    }

    public boolean contains(Cidr other) {
        return other.prefix >= prefix && contains(other.network);
    }

    public boolean overlaps(Cidr other) {
        return contains(other) || other.contains(this);
    }

    /** The {@code index}-th address of the subnet (0 = network address). */
    public int address(long index) {
        if (index < 0 || index >= size()) {
            throw new NetworkException("address index " + index + " is outside " + this);
        }
        return network + (int) index;
    }

    /** By convention the first usable address, {@code .1}, is the gateway. */
    public Inet4Address gateway() {
        return Ipv4.toInet(address(1));
    }

    public Inet4Address networkAddress() {
        return Ipv4.toInet(network);
    }

    @Override
    public String toString() {
        return Ipv4.format(network) + "/" + prefix;
    }

    /** The public helpers on IPv4 addresses as ints. */
    public static final class Ipv4 {
        private Ipv4() {
        }

        public static int parse(String dotted) {
            String[] parts = dotted.strip().split("\\.", -1);
            if (parts.length != 4) {
                throw new NetworkException("'" + dotted + "' is not an IPv4 address");
            }
            int v = 0;
            for (String p : parts) {
                if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) {
                    throw new NetworkException("'" + dotted + "' is not an IPv4 address");
                }
                int octet = Integer.parseInt(p);
                if (octet > 255) {
                    throw new NetworkException("'" + dotted + "' is not an IPv4 address");
                }
                v = (v << 8) | octet;
            }
            return v;
        }

        public static String format(int a) {
            return ((a >>> 24) & 255) + "." + ((a >>> 16) & 255) + "." + ((a >>> 8) & 255) + "." + (a & 255);
        }

        public static Inet4Address toInet(int a) {
            try {
                return (Inet4Address) InetAddress.getByAddress(new byte[]{(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a});
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }

        public static int toInt(Inet4Address a) {
            byte[] b = a.getAddress();
            return ((b[0] & 255) << 24) | ((b[1] & 255) << 16) | ((b[2] & 255) << 8) | (b[3] & 255);
        }

        public static Inet4Address inet(String dotted) {
            return toInet(parse(dotted));
        }
    }
}
