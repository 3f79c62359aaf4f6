package io.gantry.net.dns;

import java.net.Inet4Address;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One container's entry on one network.
 *
 * @param id       the member's key for updates (e.g. container id)
 * @param names    container name and --network-alias values: always resolvable
 * @param services service names: resolve to every healthy member that carries them
 * @param healthy  false takes the member out of its services' answers (not out of its own names)
 */
public record DnsMember(String id, Inet4Address address, Set<String> names, Set<String> services, boolean healthy) {
    public DnsMember {
        names = normalize(names);
        services = normalize(services);
    }

    static String normalize(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }

    private static Set<String> normalize(Set<String> in) {
        return in == null ? Set.of() : in.stream().map(DnsMember::normalize).filter(s -> !s.isEmpty()).collect(Collectors.toUnmodifiableSet());
    }
}
