package io.gantry.scheduler.state;

import org.apache.curator.utils.ZKPaths;

/** Where Gantry keeps its state in ZooKeeper, under one root (default {@code /gantry}). */
public record StateLayout(String root) {
    public static final String DEFAULT_ROOT = "/gantry";

    public StateLayout {
        ZKPaths.fixForNamespace(null, root); // validates the path
    }

    public String epoch() {
        return ZKPaths.makePath(root, "epoch");
    }

    public String workloads() {
        return ZKPaths.makePath(root, "workloads");
    }

    public String workload(String id) {
        return ZKPaths.makePath(workloads(), id);
    }

    public String nodes() {
        return ZKPaths.makePath(root, "nodes");
    }

    public String node(String name) {
        return ZKPaths.makePath(nodes(), name);
    }

    public String services() {
        return ZKPaths.makePath(root, "services");
    }

    public String service(String id) {
        return ZKPaths.makePath(services(), id);
    }

    public String networks() {
        return ZKPaths.makePath(root, "networks");
    }

    public String network(String id) {
        return ZKPaths.makePath(networks(), id);
    }

    public String leaderLatch() {
        return ZKPaths.makePath(root, "leader");
    }
}
