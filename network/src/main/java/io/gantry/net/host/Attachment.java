package io.gantry.net.host;

import java.net.Inet4Address;

/**
 * One interface of a container: {@code eth<index>} in its namespace, on {@code network}.
 *
 * @param defaultRoute whether the container's default route goes through this interface's gateway
 *                     (ignored for internal networks, which never get one)
 */
public record Attachment(String container, int index, BridgeNetwork network, Inet4Address address, boolean defaultRoute) {
    public String hostVeth() {
        return NetNames.hostVeth(container, index);
    }

    public String interfaceName() {
        return NetNames.containerInterface(index);
    }

    public String mac() {
        return Macs.fromIp(address);
    }
}
