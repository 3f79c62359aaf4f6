package io.gantry.telemetry;

/** Bytes received and sent over all interfaces of a network namespace except loopback. */
public record NetworkCounters(long receiveBytes, long transmitBytes) {
}
