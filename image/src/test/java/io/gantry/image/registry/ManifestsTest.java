package io.gantry.image.registry;

import io.gantry.image.ImageException;
import io.gantry.image.registry.ParsedManifest.ImageIndex;
import io.gantry.image.registry.ParsedManifest.ImageManifest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ManifestsTest {
    static final String D1 = "sha256:" + "1".repeat(64);
    static final String D2 = "sha256:" + "2".repeat(64);
    static final String D3 = "sha256:" + "3".repeat(64);

    static String imageJson(String mediaTypeField, String configType, String layerType) {
        return "{\"schemaVersion\":2," + mediaTypeField
                + "\"config\":{\"mediaType\":\"" + configType + "\",\"digest\":\"" + D1 + "\",\"size\":10},"
                + "\"layers\":[{\"mediaType\":\"" + layerType + "\",\"digest\":\"" + D2 + "\",\"size\":20}]}";
    }

    static ParsedManifest parse(String contentType, String json) throws ImageException {
        return Manifests.parse("127.0.0.1:5000/app:latest", contentType, json.getBytes(StandardCharsets.UTF_8));
    }

    static void assertRejected(String contentType, String json, String message) {
        ImageException e = assertThrows(ImageException.class, () -> parse(contentType, json));
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"));
    }

    @Test
    void parsesDockerV2Manifest() throws Exception {
        String json = imageJson("\"mediaType\":\"" + MediaTypes.DOCKER_MANIFEST + "\",", MediaTypes.DOCKER_CONFIG, MediaTypes.DOCKER_LAYER_GZIP);
        ImageManifest manifest = assertInstanceOf(ImageManifest.class, parse(MediaTypes.DOCKER_MANIFEST, json));
        assertEquals(MediaTypes.DOCKER_MANIFEST, manifest.mediaType());
        assertEquals(new Descriptor(MediaTypes.DOCKER_CONFIG, D1, 10), manifest.config());
        assertEquals(new Descriptor(MediaTypes.DOCKER_LAYER_GZIP, D2, 20), manifest.layers().getFirst());
    }

    @Test
    void parsesOciManifestWithAndWithoutMediaTypeField() throws Exception {
        String with = imageJson("\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",", MediaTypes.OCI_CONFIG, MediaTypes.OCI_LAYER_GZIP);
        assertEquals(MediaTypes.OCI_MANIFEST, ((ImageManifest) parse(MediaTypes.OCI_MANIFEST, with)).mediaType());
        String without = imageJson("", MediaTypes.OCI_CONFIG, MediaTypes.OCI_LAYER_TAR);
        assertEquals(MediaTypes.OCI_MANIFEST, ((ImageManifest) parse(MediaTypes.OCI_MANIFEST, without)).mediaType());
        assertEquals(MediaTypes.OCI_MANIFEST, ((ImageManifest) parse("application/json", without)).mediaType());
    }

    static String indexJson(String type, String entries) {
        return "{\"schemaVersion\":2,\"mediaType\":\"" + type + "\",\"manifests\":[" + entries + "]}";
    }

    static String entry(String digest, String os, String arch) {
        return "{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + digest + "\",\"size\":5,"
                + "\"platform\":{\"os\":\"" + os + "\",\"architecture\":\"" + arch + "\"}}";
    }

    @Test
    void indexPicksLinuxAmd64AndSkipsAttestations() throws Exception {
        String json = indexJson(MediaTypes.OCI_INDEX, String.join(",",
                entry(D1, "unknown", "unknown"), entry(D2, "linux", "arm64"), entry(D3, "linux", "amd64")));
        ImageIndex index = assertInstanceOf(ImageIndex.class, parse(MediaTypes.OCI_INDEX, json));
        assertEquals(D3, Manifests.choosePlatform("x", index, "linux", "amd64").digest());
    }

    @Test
    void dockerManifestListIsAnIndex() throws Exception {
        String json = indexJson(MediaTypes.DOCKER_LIST, entry(D3, "linux", "amd64"));
        assertInstanceOf(ImageIndex.class, parse(MediaTypes.DOCKER_LIST, json));
    }

    @Test
    void indexWithoutOurPlatformNamesTheAvailableOnes() throws Exception {
        String json = indexJson(MediaTypes.OCI_INDEX, String.join(",", entry(D1, "unknown", "unknown"), entry(D2, "linux", "arm64")));
        ImageIndex index = (ImageIndex) parse(MediaTypes.OCI_INDEX, json);
        ImageException e = assertThrows(ImageException.class, () -> Manifests.choosePlatform("app", index, "linux", "amd64"));
        assertEquals("image app has no linux/amd64 variant (available: linux/arm64)", e.getMessage());
    }

    @Test
    void schema1IsRejected() {
        assertRejected(MediaTypes.DOCKER_SCHEMA1_SIGNED, "{\"schemaVersion\":1,\"name\":\"app\",\"fsLayers\":[]}", "schema1");
        assertRejected("application/json", "{\"schemaVersion\":1,\"name\":\"app\",\"fsLayers\":[]}", "schema1");
    }

    @Test
    void manifestWithManifestsFieldIsRejected() {
        String json = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\","
                + "\"config\":{\"mediaType\":\"" + MediaTypes.OCI_CONFIG + "\",\"digest\":\"" + D1 + "\",\"size\":1},"
                + "\"layers\":[],\"manifests\":[" + entry(D3, "linux", "amd64") + "]}";
        assertRejected(MediaTypes.OCI_MANIFEST, json, "CVE-2021-41190");
    }

    @Test
    void indexWithLayersIsRejected() {
        String json = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\","
                + "\"layers\":[{\"mediaType\":\"" + MediaTypes.OCI_LAYER_GZIP + "\",\"digest\":\"" + D2 + "\",\"size\":1}]}";
        assertRejected(MediaTypes.OCI_INDEX, json, "CVE-2021-41190");
    }

    @Test
    void declaredTypeDisagreeingWithContentTypeIsRejected() {
        String json = imageJson("\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",", MediaTypes.OCI_CONFIG, MediaTypes.OCI_LAYER_GZIP);
        assertRejected(MediaTypes.OCI_INDEX, json, "but the registry sent Content-Type " + MediaTypes.OCI_INDEX);
    }

    @Test
    void untypedDocumentServedAsIndexButShapedAsManifestIsRejected() {
        String json = imageJson("", MediaTypes.OCI_CONFIG, MediaTypes.OCI_LAYER_GZIP);
        assertRejected(MediaTypes.OCI_INDEX, json, "CVE-2021-41190");
    }

    @Test
    void malformedDocumentsAreRejected() {
        assertRejected(MediaTypes.OCI_MANIFEST, "not json", "not valid JSON");
        assertRejected(MediaTypes.OCI_MANIFEST, "[]", "not a JSON object");
        assertRejected(MediaTypes.OCI_MANIFEST, "{\"schemaVersion\":3}", "schemaVersion");
        assertRejected(MediaTypes.OCI_MANIFEST, imageJson("", "application/vnd.cncf.helm.config.v1+json", MediaTypes.OCI_LAYER_GZIP),
                "unsupported config media type");
        assertRejected(MediaTypes.OCI_MANIFEST, imageJson("", MediaTypes.OCI_CONFIG, MediaTypes.OCI_LAYER_GZIP).replace(D2, "sha512:abc"),
                "only sha256");
        assertRejected("application/vnd.example+json", "{\"schemaVersion\":2}", "unsupported media type");
    }

    @Test
    void layerCountIsCapped() {
        StringBuilder layers = new StringBuilder();
        for (int i = 0; i <= Manifests.MAX_LAYERS; i++) {
            layers.append(i == 0 ? "" : ",").append("{\"mediaType\":\"" + MediaTypes.OCI_LAYER_GZIP + "\",\"digest\":\"" + D2 + "\",\"size\":1}");
        }
        String json = "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" + MediaTypes.OCI_CONFIG + "\",\"digest\":\"" + D1
                + "\",\"size\":1},\"layers\":[" + layers + "]}";
        assertRejected(MediaTypes.OCI_MANIFEST, json, "more than the limit of 128");
    }

    @Test
    void oversizedManifestIsRejected() {
        String json = "{\"schemaVersion\":2,\"pad\":\"" + "x".repeat(Manifests.MAX_MANIFEST_BYTES) + "\"}";
        assertRejected(MediaTypes.OCI_MANIFEST, json, "larger than");
    }
}
