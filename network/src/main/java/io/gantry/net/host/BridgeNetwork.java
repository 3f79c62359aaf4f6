package io.gantry.net.host;

import io.gantry.net.ipam.Cidr;

import java.net.Inet4Address;

/**
 * A network as one node sees it: a Linux bridge holding the subnet's gateway, optionally
 * extended across nodes by a VXLAN device ({@code vni} > 0). The node's own container network
 * is {@link #nodeBridge}; an overlay network is {@link #overlay}.
 *
 * @param name     the user-visible network name ("bridge" for the node network); used in rule comments
 * @param internal no route out, no NAT, no published ports
 * @param mtu      MTU of the bridge and the containers' interfaces (VXLAN needs 50 bytes less than the underlay)
 */
public record BridgeNetwork(String name, String bridge, Cidr subnet, boolean internal, int vni, int mtu) {
    public static final int DEFAULT_MTU = 1500;
    public static final int VXLAN_OVERHEAD = 50;

    public static BridgeNetwork nodeBridge(Cidr subnet, int mtu) {
        return new BridgeNetwork("bridge", NetNames.NODE_BRIDGE, subnet, false, 0, mtu);
    }

    public static BridgeNetwork overlay(String name, int vni, Cidr subnet, boolean internal, int underlayMtu) {
        return new BridgeNetwork(name, NetNames.overlayBridge(vni), subnet, internal, vni, underlayMtu - VXLAN_OVERHEAD);
    }

    public Inet4Address gateway() {
        return subnet.gateway();
    }

    public boolean isOverlay() {
        return vni > 0;
    }

    public String vxlanDevice() {
        return NetNames.vxlan(vni);
    }

    String ruleComment() {
        return NetNames.ruleComment("net:" + bridge);
    }
}
