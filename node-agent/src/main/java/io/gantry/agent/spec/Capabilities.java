package io.gantry.agent.spec;

import io.gantry.proto.SecurityOptions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** The capability arithmetic of {@code --cap-add}, {@code --cap-drop} and {@code --privileged}, as Docker does it. */
public final class Capabilities {
    /** Every capability Linux knows (up to 6.x), in bit order. */
    public static final List<String> ALL = List.of(
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
            "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
            "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
            "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
            "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
            "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
            "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE");

    private Capabilities() {
    }

    /** The final set (bounding = permitted = effective), in bit order, with every capability available. */
    public static List<String> resolve(SecurityOptions security) throws SpecException {
        return resolve(security, ALL);
    }

    /**
     * The final set (bounding = permitted = effective), in bit order. {@code available} is what the agent
     * itself holds (its bounding set): ALL and --privileged mean all of those, as with Docker; asking for
     * one beyond it is refused with a clear reason rather than left to runc's "operation not permitted".
     */
    public static List<String> resolve(SecurityOptions security, List<String> available) throws SpecException {
        if (security.getPrivileged()) {
            return ALL.stream().filter(available::contains).toList();
        }
        List<String> add = normalize(security.getCapAddList());
        List<String> drop = normalize(security.getCapDropList());
        Set<String> caps = new LinkedHashSet<>();
        if (add.contains("ALL")) {
            ALL.stream().filter(available::contains).filter(c -> !drop.contains(c)).forEach(caps::add);
        } else if (drop.contains("ALL")) {
            caps.addAll(add); // drop everything, then only what is added
        } else {
            OciSpecBuilder.DEFAULT_CAPABILITIES.stream().filter(c -> !drop.contains(c)).forEach(caps::add);
            caps.addAll(add);
        }
        for (String c : caps) {
            if (!available.contains(c)) {
                throw new SpecException("capability " + c.substring(4) + " is not available on this node");
            }
        }
        return ALL.stream().filter(caps::contains).toList();
    }

    /** The capabilities of a hex mask such as CapBnd in /proc/self/status. */
    public static List<String> fromMask(long mask) {
        List<String> out = new ArrayList<>();
        for (int bit = 0; bit < ALL.size(); bit++) {
            if ((mask & (1L << bit)) != 0) {
                out.add(ALL.get(bit));
            }
        }
        return out;
    }

    /** Upper case with the CAP_ prefix ("net_raw" -> CAP_NET_RAW); ALL stays ALL; unknown names are refused. */
    public static List<String> normalize(List<String> names) throws SpecException {
        List<String> out = new ArrayList<>();
        for (String raw : names) {
            String n = raw.trim().toUpperCase(Locale.ROOT);
            if (n.equals("ALL")) {
                out.add(n);
                continue;
            }
            String cap = n.startsWith("CAP_") ? n : "CAP_" + n;
            if (!ALL.contains(cap)) {
                throw new SpecException("unknown capability: \"" + printable(raw) + "\"");
            }
            out.add(cap);
        }
        return out;
    }

    static String printable(String s) {
        return s.replaceAll("\\p{Cntrl}", "?");
    }
}
