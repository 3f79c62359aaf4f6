package io.gantry.net.ipam;

/** One subnet handed to an owner ("node:ID", "network:NAME", ...). Plain data for persistence. */
public record SubnetLease(String owner, String subnet) {
}
