package io.gantry.net.ipam;

import io.gantry.net.NetworkException;
import io.gantry.net.ipam.Cidr.Ipv4;

import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Addresses within one subnet: {@code .0} (network), {@code .1} (gateway) and the broadcast
 * address are never handed out. Allocation goes round-robin from the last address handed out,
 * so a just-released address (still in other containers' ARP caches or DNS answers) is
 * reused as late as possible. Idempotent per owner. Not thread-safe.
 */
public final class IpAllocator {
    private final Cidr subnet;
    private final Map<String, Integer> byOwner = new LinkedHashMap<>();
    private final Map<Integer, String> byAddress = new HashMap<>();
    private int last;

    public IpAllocator(Cidr subnet) {
        if (subnet.prefix() > 30) {
            throw new NetworkException("subnet " + subnet + " is too small: it needs at least a /30");
        }
        this.subnet = subnet;
        this.last = subnet.address(1);
    }

    public static IpAllocator restore(IpAllocatorState s) {
        IpAllocator a = new IpAllocator(Cidr.parse(s.subnet()));
        for (IpLease l : s.leases()) {
            a.take(l.owner(), Ipv4.parse(l.address()));
        }
        if (s.last() != null) {
            a.last = Ipv4.parse(s.last());
        }
        return a;
    }

    public IpAllocatorState state() {
        List<IpLease> out = new ArrayList<>();
        byOwner.forEach((o, a) -> out.add(new IpLease(o, Ipv4.format(a))));
        return new IpAllocatorState(subnet.toString(), out, Ipv4.format(last));
    }

    public Cidr subnet() {
        return subnet;
    }

    public Inet4Address gateway() {
        return subnet.gateway();
    }

    public Optional<Inet4Address> addressOf(String owner) {
        return Optional.ofNullable(byOwner.get(owner)).map(Ipv4::toInet);
    }

    public Map<String, Inet4Address> leases() {
        Map<String, Inet4Address> m = new LinkedHashMap<>();
        byOwner.forEach((o, a) -> m.put(o, Ipv4.toInet(a)));
        return m;
    }

    /** The owner's address: the one it has, else the next free one after the last handed out. */
    public Inet4Address allocate(String owner) {
        Integer existing = byOwner.get(owner);
        if (existing != null) {
            return Ipv4.toInet(existing);
        }
        long usable = subnet.size() - 3; // network, gateway, broadcast
        int first = subnet.address(2);
        int lastUsable = subnet.broadcast() - 1;
        int candidate = last;
        for (long i = 0; i < usable; i++) {
            candidate = (candidate >= lastUsable || candidate < first) ? first : candidate + 1;
            if (!byAddress.containsKey(candidate)) {
                take(owner, candidate);
                last = candidate;
                return Ipv4.toInet(candidate);
            }
        }
        throw new NetworkException("subnet " + subnet + " is exhausted: all " + usable + " addresses are in use");
    }

    /** A specific address (e.g. --ip) for the owner. */
    public Inet4Address reserve(String owner, Inet4Address address) {
        int a = Ipv4.toInt(address);
        if (!subnet.contains(a)) {
            throw new NetworkException("address " + address.getHostAddress() + " is not in subnet " + subnet);
        }
        if (a == subnet.network() || a == subnet.broadcast() || a == subnet.address(1)) {
            throw new NetworkException("address " + address.getHostAddress() + " is reserved in subnet " + subnet
                    + " (network, gateway or broadcast)");
        }
        String holder = byAddress.get(a);
        if (holder != null && !holder.equals(owner)) {
            throw new NetworkException("address " + address.getHostAddress() + " is already in use by " + holder);
        }
        Integer previous = byOwner.get(owner);
        if (previous != null && previous != a) {
            throw new NetworkException(owner + " already has address " + Ipv4.format(previous));
        }
        take(owner, a);
        return address;
    }

    public boolean release(String owner) {
        Integer a = byOwner.remove(owner);
        if (a == null) {
            return false;
        }
        byAddress.remove(a);
        return true;
    }

    private void take(String owner, int a) {
        byOwner.put(owner, a);
        byAddress.put(a, owner);
    }
}
