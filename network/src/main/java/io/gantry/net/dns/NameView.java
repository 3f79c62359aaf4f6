package io.gantry.net.dns;

import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The names one network sees. The agent calls {@link #upsert}/{@link #remove} as membership or
 * health changes; the lookup index is rebuilt and swapped at once, so the very next query sees
 * the change (answers carry TTL 0, so nobody caches a removed member either).
 * Answers for a name with several addresses are rotated per query.
 */
public final class NameView {
    private final String network;
    private final Map<String, DnsMember> members = new LinkedHashMap<>();
    private volatile Map<String, List<Inet4Address>> index = Map.of();
    private volatile Map<Inet4Address, String> byAddress = Map.of();
    private final Map<String, AtomicInteger> rotation = new ConcurrentHashMap<>();

    public NameView(String network) {
        this.network = network;
    }

    public String network() {
        return network;
    }

    public synchronized void upsert(DnsMember m) {
        members.put(m.id(), m);
        rebuild();
    }

    public synchronized void remove(String memberId) {
        if (members.remove(memberId) != null) {
            rebuild();
        }
    }

    /** Replaces the whole membership (e.g. after an agent restart). */
    public synchronized void replaceAll(Collection<DnsMember> all) {
        members.clear();
        for (DnsMember m : all) {
            members.put(m.id(), m);
        }
        rebuild();
    }

    public synchronized List<DnsMember> members() {
        return List.copyOf(members.values());
    }

    /** The id of the member holding {@code address} on this network, if any. */
    public java.util.Optional<String> memberAt(Inet4Address address) {
        return java.util.Optional.ofNullable(byAddress.get(address));
    }

    synchronized boolean hasMember(String id) {
        return members.containsKey(id);
    }

    /** Whether the name belongs to this network (then it is answered here, never forwarded). */
    public boolean knows(String name) {
        return index.containsKey(DnsMember.normalize(name));
    }

    /** The name's addresses, rotated by one on every call; empty for an unknown name. */
    public List<Inet4Address> resolve(String name) {
        String n = DnsMember.normalize(name);
        List<Inet4Address> all = index.get(n);
        if (all == null || all.size() <= 1) {
            return all == null ? List.of() : all;
        }
        int start = Math.floorMod(rotation.computeIfAbsent(n, k -> new AtomicInteger()).getAndIncrement(), all.size());
        List<Inet4Address> out = new ArrayList<>(all.size());
        for (int i = 0; i < all.size(); i++) {
            out.add(all.get((start + i) % all.size()));
        }
        return out;
    }

    private void rebuild() {
        Map<String, List<Inet4Address>> next = new HashMap<>();
        for (DnsMember m : members.values()) {
            for (String n : m.names()) {
                add(next, n, m.address());
            }
            // A service known only through unhealthy members still belongs to this network: NODATA, not forwarded.
            for (String s : m.services()) {
                if (m.healthy()) {
                    add(next, s, m.address());
                } else {
                    next.computeIfAbsent(s, k -> new ArrayList<>());
                }
            }
        }
        Comparator<Inet4Address> byValue = Comparator.comparing(Inet4Address::getHostAddress);
        next.replaceAll((k, v) -> v.stream().sorted(byValue).toList());
        index = Map.copyOf(next);
        Map<Inet4Address, String> addresses = new HashMap<>();
        for (DnsMember m : members.values()) {
            addresses.put(m.address(), m.id());
        }
        byAddress = Map.copyOf(addresses);
    }

    private static void add(Map<String, List<Inet4Address>> index, String name, Inet4Address a) {
        List<Inet4Address> l = index.computeIfAbsent(name, k -> new ArrayList<>());
        if (!l.contains(a)) {
            l.add(a);
        }
    }
}
