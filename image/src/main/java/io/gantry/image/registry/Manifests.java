package io.gantry.image.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gantry.image.ImageException;
import io.gantry.image.content.Digests;
import io.gantry.image.registry.ParsedManifest.ImageIndex;
import io.gantry.image.registry.ParsedManifest.ImageManifest;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Parses and checks manifest documents. The declared media type, the HTTP {@code Content-Type}
 * and the document's shape must all agree, otherwise two parties could read the same bytes as
 * different things (CVE-2021-41190).
 */
public final class Manifests {
    /** Upper bound for a manifest or index document. */
    public static final int MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
    /** Upper bound for the layers of one image (overlayfs stacks are limited anyway). */
    public static final int MAX_LAYERS = 128;
    /** Upper bound for the entries of one index. */
    public static final int MAX_INDEX_ENTRIES = 1024;

    private static final Set<String> GENERIC_CONTENT_TYPES = Set.of("application/json", "application/octet-stream", "text/plain");
    private static final ObjectMapper JSON = new ObjectMapper();

    private Manifests() {
    }

    /**
     * @param what        the image being resolved, for messages
     * @param contentType the HTTP Content-Type header, may be null
     */
    public static ParsedManifest parse(String what, String contentType, byte[] body) throws ImageException {
        if (body.length > MAX_MANIFEST_BYTES) {
            throw new ImageException("manifest for " + what + " is larger than " + MAX_MANIFEST_BYTES + " bytes");
        }
        String headerType = MediaTypes.bare(contentType);
        if (MediaTypes.DOCKER_SCHEMA1.equals(headerType) || MediaTypes.DOCKER_SCHEMA1_SIGNED.equals(headerType)) {
            throw schema1(what);
        }
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new ImageException("manifest for " + what + " is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw new ImageException("manifest for " + what + " is not a JSON object");
        }
        JsonNode schemaVersion = root.get("schemaVersion");
        if (schemaVersion != null && schemaVersion.asInt() == 1) {
            throw schema1(what);
        }
        if (schemaVersion == null || schemaVersion.asInt() != 2) {
            throw new ImageException("manifest for " + what + " has unsupported schemaVersion " + schemaVersion);
        }
        JsonNode typeNode = root.get("mediaType");
        if (typeNode != null && !typeNode.isTextual()) {
            throw new ImageException("manifest for " + what + " has a non-text mediaType");
        }
        String declared = typeNode == null ? null : typeNode.asText();
        if (MediaTypes.DOCKER_SCHEMA1.equals(declared) || MediaTypes.DOCKER_SCHEMA1_SIGNED.equals(declared)) {
            throw schema1(what);
        }
        if (declared != null && headerType != null && !GENERIC_CONTENT_TYPES.contains(headerType) && !declared.equals(headerType)) {
            throw new ImageException("manifest for " + what + " declares mediaType " + declared
                    + " but the registry sent Content-Type " + headerType);
        }
        String type = declared != null ? declared
                : (headerType != null && !GENERIC_CONTENT_TYPES.contains(headerType) ? headerType : null);
        boolean hasManifests = root.has("manifests");
        boolean hasImageFields = root.has("layers") || root.has("config");
        if (hasManifests && hasImageFields) {
            throw ambiguous(what, "has both manifests and layers/config");
        }
        if (type == null) {
            // OCI allows omitting mediaType; fall back to the shape, which is unambiguous here.
            type = hasManifests ? MediaTypes.OCI_INDEX : MediaTypes.OCI_MANIFEST;
        }
        if (MediaTypes.INDEXES.contains(type)) {
            if (hasImageFields) {
                throw ambiguous(what, "is an index (" + type + ") but has layers/config");
            }
            return parseIndex(what, type, root);
        }
        if (MediaTypes.MANIFESTS.contains(type)) {
            if (hasManifests) {
                throw ambiguous(what, "is an image manifest (" + type + ") but has a manifests field");
            }
            return parseImage(what, type, root);
        }
        throw new ImageException("manifest for " + what + " has unsupported media type " + type);
    }

    /** Picks the entry for {@code os}/{@code architecture}, skipping attestation ({@code unknown/unknown}) entries. */
    public static Descriptor choosePlatform(String what, ImageIndex index, String os, String architecture) throws ImageException {
        Set<String> available = new TreeSet<>();
        for (Descriptor entry : index.manifests()) {
            if ("unknown".equals(entry.os()) && "unknown".equals(entry.architecture())) {
                continue;
            }
            if (os.equals(entry.os()) && architecture.equals(entry.architecture())) {
                return entry;
            }
            available.add(entry.platform());
        }
        throw new ImageException("image " + what + " has no " + os + "/" + architecture + " variant"
                + (available.isEmpty() ? "" : " (available: " + String.join(", ", available) + ")"));
    }

    private static ImageIndex parseIndex(String what, String type, JsonNode root) throws ImageException {
        JsonNode list = root.get("manifests");
        if (list == null || !list.isArray()) {
            throw new ImageException("index for " + what + " has no manifests list");
        }
        if (list.size() > MAX_INDEX_ENTRIES) {
            throw new ImageException("index for " + what + " has more than " + MAX_INDEX_ENTRIES + " entries");
        }
        List<Descriptor> entries = new ArrayList<>();
        for (JsonNode node : list) {
            Descriptor plain = descriptor(what, "index entry", node);
            JsonNode platform = node.path("platform");
            entries.add(new Descriptor(plain.mediaType(), plain.digest(), plain.size(),
                    textOrNull(platform.get("os")), textOrNull(platform.get("architecture"))));
        }
        return new ImageIndex(type, entries);
    }

    private static ImageManifest parseImage(String what, String type, JsonNode root) throws ImageException {
        JsonNode configNode = root.get("config");
        if (configNode == null || !configNode.isObject()) {
            throw new ImageException("manifest for " + what + " has no config descriptor");
        }
        Descriptor config = descriptor(what, "config", configNode);
        if (!MediaTypes.CONFIGS.contains(config.mediaType())) {
            throw new ImageException("manifest for " + what + " has unsupported config media type " + config.mediaType());
        }
        JsonNode layerNodes = root.get("layers");
        if (layerNodes == null || !layerNodes.isArray()) {
            throw new ImageException("manifest for " + what + " has no layers list");
        }
        if (layerNodes.size() > MAX_LAYERS) {
            throw new ImageException("image " + what + " has " + layerNodes.size() + " layers, more than the limit of " + MAX_LAYERS);
        }
        List<Descriptor> layers = new ArrayList<>();
        for (JsonNode node : layerNodes) {
            layers.add(descriptor(what, "layer", node));
        }
        return new ImageManifest(type, config, layers);
    }

    private static Descriptor descriptor(String what, String role, JsonNode node) throws ImageException {
        String mediaType = textOrNull(node.get("mediaType"));
        String digest = textOrNull(node.get("digest"));
        JsonNode size = node.get("size");
        if (mediaType == null) {
            throw new ImageException("manifest for " + what + " has a " + role + " without mediaType");
        }
        Digests.require(digest, role + " of " + what);
        if (size == null || !size.canConvertToLong() || !size.isIntegralNumber() || size.asLong() < 0) {
            throw new ImageException("manifest for " + what + " has a " + role + " with an invalid size");
        }
        return new Descriptor(mediaType, digest, size.asLong());
    }

    private static String textOrNull(JsonNode node) {
        return node != null && node.isTextual() ? node.asText() : null;
    }

    private static ImageException schema1(String what) {
        return new ImageException("image " + what + " uses the deprecated Docker schema1 manifest format, which is not supported");
    }

    private static ImageException ambiguous(String what, String why) {
        return new ImageException("manifest for " + what + " is ambiguous: it " + why + " (CVE-2021-41190)");
    }
}
