package io.gantry.agent.net;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Iterator;

/** Puts a {@link ContainerNetworks.Prepared} network into a built OCI spec. */
public final class OciNetworkSpec {
    private OciNetworkSpec() {
    }

    public static void apply(ObjectNode config, ContainerNetworks.Prepared p) {
        if (p.mode() == ContainerNetworks.Mode.UNCHANGED) {
            return;
        }
        ArrayNode namespaces = (ArrayNode) config.path("linux").path("namespaces");
        for (Iterator<JsonNode> it = namespaces.iterator(); it.hasNext(); ) {
            ObjectNode ns = (ObjectNode) it.next();
            if (!"network".equals(ns.path("type").asText())) {
                continue;
            }
            switch (p.mode()) {
                case HOST -> it.remove(); // no network namespace: the node's
                case ATTACHED -> ns.put("path", p.netns().toString()); // runc joins ours instead of making one
                default -> {
                }
            }
        }
        ArrayNode mounts = (ArrayNode) config.path("mounts");
        bind(mounts, "/etc/hosts", p.hosts());
        bind(mounts, "/etc/resolv.conf", p.resolvConf());
    }

    /** Docker's way: the files bind-mounted over the image's, unless the user mounts something there. */
    private static void bind(ArrayNode mounts, String destination, Path source) {
        if (source == null) {
            return;
        }
        for (JsonNode m : mounts) {
            if (destination.equals(m.path("destination").asText())) {
                return;
            }
        }
        ObjectNode m = mounts.addObject();
        m.put("destination", destination);
        m.put("type", "bind");
        m.put("source", source.toString());
        m.putArray("options").add("rbind").add("rprivate");
    }
}
