package io.gantry.net.ports;

import io.gantry.net.NetworkException;

import java.util.Locale;

public enum Protocol {
    TCP, UDP;

    public static Protocol parse(String s, String spec) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "tcp" -> TCP;
            case "udp" -> UDP;
            default -> throw new NetworkException("bad port spec '" + spec + "': protocol '" + s + "' is neither tcp nor udp");
        };
    }

    public String lower() {
        return name().toLowerCase(Locale.ROOT);
    }
}
