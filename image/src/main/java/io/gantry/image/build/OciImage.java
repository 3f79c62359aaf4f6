package io.gantry.image.build;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gantry.image.content.Digests;
import io.gantry.image.registry.Descriptor;
import io.gantry.image.registry.MediaTypes;

import java.util.ArrayList;
import java.util.List;

/**
 * An image ready to push: the raw manifest bytes plus every blob it needs. Nothing here is
 * validated, on purpose, so tests can push hostile images (wrong diff_ids, evil tars, odd manifests).
 */
public record OciImage(String manifestMediaType, byte[] manifest, List<Blob> blobs) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public OciImage {
        blobs = List.copyOf(blobs);
    }

    public String manifestDigest() {
        return Digests.sha256(manifest);
    }

    /** A standard OCI image manifest for {@code config} and {@code layers} (bottom first). */
    public static OciImage of(Blob config, List<Blob> layers) {
        ObjectNode root = JSON.createObjectNode();
        root.put("schemaVersion", 2);
        root.put("mediaType", MediaTypes.OCI_MANIFEST);
        root.set("config", descriptor(config.descriptor()));
        ArrayNode layerNodes = root.putArray("layers");
        layers.forEach(layer -> layerNodes.add(descriptor(layer.descriptor())));
        List<Blob> all = new ArrayList<>();
        all.add(config);
        all.addAll(layers);
        return new OciImage(MediaTypes.OCI_MANIFEST, toBytes(root), all);
    }

    /**
     * An OCI image config. {@code diffIds} are the sha256 digests of the uncompressed layers,
     * see {@link LayerBuilder#diffId()}.
     */
    public static Blob config(List<String> env, List<String> cmd, List<String> diffIds) {
        ObjectNode root = JSON.createObjectNode();
        root.put("created", "2000-01-01T00:00:00Z");
        root.put("architecture", "amd64");
        root.put("os", "linux");
        ObjectNode config = root.putObject("config");
        ArrayNode envNode = config.putArray("Env");
        env.forEach(envNode::add);
        ArrayNode cmdNode = config.putArray("Cmd");
        cmd.forEach(cmdNode::add);
        ObjectNode rootfs = root.putObject("rootfs");
        rootfs.put("type", "layers");
        ArrayNode ids = rootfs.putArray("diff_ids");
        diffIds.forEach(ids::add);
        return new Blob(MediaTypes.OCI_CONFIG, toBytes(root));
    }

    static ObjectNode descriptor(Descriptor descriptor) {
        ObjectNode node = JSON.createObjectNode();
        node.put("mediaType", descriptor.mediaType());
        node.put("digest", descriptor.digest());
        node.put("size", descriptor.size());
        return node;
    }

    static byte[] toBytes(ObjectNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize JSON", e);
        }
    }
}
