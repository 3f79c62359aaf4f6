package io.gantry.net.ipam;

/** One address of a subnet held by an owner (a container id, an endpoint id). */
public record IpLease(String owner, String address) {
}
