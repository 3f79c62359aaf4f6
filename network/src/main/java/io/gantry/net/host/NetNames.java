package io.gantry.net.host;

import io.gantry.net.NetworkException;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The deterministic naming scheme: everything this module creates can be found again (by a
 * restarted agent) and removed exactly (by {@link HostNetworkCleaner}) from names alone.
 * <ul>
 *   <li>links (in the node's namespace, at most 15 characters): node bridge {@code gnt0};
 *       overlay bridge {@code gntb<VNI>}; VXLAN device {@code gntx<VNI>}; host end of a
 *       container veth {@code gntv<9 hex of sha256(container)><interface index>}</li>
 *   <li>container network namespaces: {@code /run/netns/gnt-<nodeTag>-<container>}; the node tag
 *       keeps agents that share one host (the local cluster) apart</li>
 *   <li>iptables chains {@code GANTRY-*} (nat and filter); each rule of a container or network
 *       carries the comment {@code gantry:<owner>}</li>
 * </ul>
 */
public final class NetNames {
    public static final String LINK_PREFIX = "gnt";
    public static final String NODE_BRIDGE = "gnt0";
    public static final String NETNS_DIR = "/run/netns";
    /** Every link name this module creates matches this. */
    public static final Pattern OUR_LINK = Pattern.compile("gnt(0|b\\d{1,8}|x\\d{1,8}|v[0-9a-f]{9}\\d{1,2})");
    private static final Pattern TAG = Pattern.compile("[a-z0-9]{1,16}");
    private static final Pattern CONTAINER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

    private final String nodeTag;

    /** @param nodeTag short lowercase tag of this node (e.g. "n1"), unique among agents of one host */
    public NetNames(String nodeTag) {
        if (nodeTag == null || !TAG.matcher(nodeTag).matches()) {
            throw new NetworkException("bad node tag '" + nodeTag + "': use 1-16 lowercase letters or digits");
        }
        this.nodeTag = nodeTag;
    }

    public String nodeTag() {
        return nodeTag;
    }

    public String netnsPrefix() {
        return "gnt-" + nodeTag + "-";
    }

    /** The name of the container's namespace under /run/netns. */
    public String netnsName(String container) {
        if (container == null || !CONTAINER.matcher(container).matches()) {
            throw new NetworkException("bad container id '" + container + "' for a network namespace name");
        }
        return netnsPrefix() + container;
    }

    /** What the agent puts into the OCI spec's network namespace path. */
    public Path netnsPath(String container) {
        return Path.of(NETNS_DIR, netnsName(container));
    }

    public static String overlayBridge(int vni) {
        return "gntb" + checkVni(vni);
    }

    public static String vxlan(int vni) {
        return "gntx" + checkVni(vni);
    }

    /** Host end of the container's {@code eth<index>}. */
    public static String hostVeth(String container, int index) {
        if (index < 0 || index > 99) {
            throw new NetworkException("interface index " + index + " is not between 0 and 99");
        }
        return "gntv" + hash(container).substring(0, 9) + index;
    }

    public static String containerInterface(int index) {
        return "eth" + index;
    }

    /** The comment tagging rules that belong to an owner (container or network). */
    public static String ruleComment(String owner) {
        return "gantry:" + owner;
    }

    public static int checkVni(int vni) {
        if (vni < 1 || vni > 16_777_215) {
            throw new NetworkException("VNI " + vni + " is not between 1 and 16777215");
        }
        return vni;
    }

    private static String hash(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
