package io.gantry.ctl.cmd;

/** A {@code host:port} flag value. */
record HostPort(String host, int port) {
    static HostPort parse(String flag, String value) {
        int colon = value.lastIndexOf(':');
        try {
            if (colon <= 0) {
                throw new NumberFormatException();
            }
            int port = Integer.parseInt(value.substring(colon + 1));
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return new HostPort(value.substring(0, colon), port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid argument \"" + value + "\" for \"" + flag + "\": expected HOST:PORT");
        }
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
