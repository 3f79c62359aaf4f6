package io.gantry.net.host;

import java.net.Inet4Address;

/** A member of an overlay network on another node: its address and the underlay address of its node. */
public record OverlayPeer(Inet4Address address, Inet4Address nodeIp) {
    public String mac() {
        return Macs.fromIp(address);
    }
}
