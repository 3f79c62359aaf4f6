package io.gantry.ctl.cluster;

/** What a "host" of the local cluster runs. */
public enum Role {
    ZOOKEEPER("zk", "z", 10),
    SCHEDULER("sched", "s", 20),
    NODE("node", "n", 100);

    private final String prefix;
    private final String vethTag;
    private final int addressBase;

    Role(String prefix, String vethTag, int addressBase) {
        this.prefix = prefix;
        this.vethTag = vethTag;
        this.addressBase = addressBase;
    }

    /** {@code zk}, {@code sched}, {@code node}: member names are PREFIX-INDEX. */
    public String prefix() {
        return prefix;
    }

    String vethTag() {
        return vethTag;
    }

    int addressBase() {
        return addressBase;
    }
}
