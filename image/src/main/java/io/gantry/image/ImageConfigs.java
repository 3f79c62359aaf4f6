package io.gantry.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gantry.image.content.Digests;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads an OCI / Docker image config blob. */
public final class ImageConfigs {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The config plus what pulling needs: the uncompressed layer digests and the platform. */
    public record Parsed(ImageConfig config, List<String> diffIds, String os, String architecture) {
    }

    private ImageConfigs() {
    }

    public static Parsed parse(String what, byte[] bytes) throws ImageException {
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new ImageException("config of " + what + " is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw new ImageException("config of " + what + " is not a JSON object");
        }
        JsonNode rootfs = root.path("rootfs");
        if (!"layers".equals(rootfs.path("type").asText())) {
            throw new ImageException("config of " + what + " has no rootfs of type layers");
        }
        JsonNode diffIdNodes = rootfs.path("diff_ids");
        if (!diffIdNodes.isArray()) {
            throw new ImageException("config of " + what + " has no rootfs.diff_ids");
        }
        if (diffIdNodes.size() > io.gantry.image.registry.Manifests.MAX_LAYERS) {
            throw new ImageException("config of " + what + " lists " + diffIdNodes.size() + " layers, more than the limit of "
                    + io.gantry.image.registry.Manifests.MAX_LAYERS);
        }
        List<String> diffIds = new ArrayList<>();
        for (JsonNode node : diffIdNodes) {
            diffIds.add(Digests.require(node.asText(null), "diff_id of " + what));
        }
        JsonNode config = root.path("config");
        ImageConfig imageConfig = new ImageConfig(
                strings(config.get("Env")),
                strings(config.get("Entrypoint")),
                strings(config.get("Cmd")),
                text(config.get("WorkingDir")),
                text(config.get("User")),
                labels(config.get("Labels")),
                text(config.get("StopSignal")),
                healthcheck(config.get("Healthcheck")));
        return new Parsed(imageConfig, List.copyOf(diffIds), text(root.get("os")), text(root.get("architecture")));
    }

    private static ImageConfig.Healthcheck healthcheck(JsonNode node) {
        if (node == null || !node.isObject() || !node.path("Test").isArray() || node.path("Test").isEmpty()) {
            return null;
        }
        return new ImageConfig.Healthcheck(strings(node.get("Test")), node.path("Interval").asLong(0),
                node.path("Timeout").asLong(0), node.path("Retries").asInt(0), node.path("StartPeriod").asLong(0));
    }

    private static List<String> strings(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node != null && node.isArray()) {
            node.forEach(item -> out.add(item.asText()));
        }
        return List.copyOf(out);
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() ? "" : node.asText();
    }

    private static Map<String, String> labels(JsonNode node) {
        Map<String, String> out = new LinkedHashMap<>();
        if (node != null && node.isObject()) {
            node.properties().forEach(entry -> out.put(entry.getKey(), entry.getValue().asText()));
        }
        return java.util.Collections.unmodifiableMap(out);
    }
}
