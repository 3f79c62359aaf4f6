package io.gantry.image.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gantry.image.ImageException;
import io.gantry.image.ImageReference;
import io.gantry.image.build.Blob;
import io.gantry.image.build.OciImage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * Pushes an {@link OciImage} with the distribution API: {@code HEAD} to skip blobs the registry
 * has, {@code POST .../blobs/uploads/} then a monolithic {@code PUT LOCATION?digest=}, and
 * finally {@code PUT .../manifests/TAG}. Pushes exactly the bytes it is given, so tests can
 * seed registries with hostile images.
 */
public final class RegistryPusher {
    private static final Logger log = LoggerFactory.getLogger(RegistryPusher.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ACTIONS = "pull,push";

    private final RegistryClient client;

    public RegistryPusher(RegistryClient client) {
        this.client = client;
    }

    /** Pushes every blob and then the manifest under {@code ref}'s tag (or digest); returns the manifest digest. */
    public String push(ImageReference ref, OciImage image) throws ImageException {
        for (Blob blob : image.blobs()) {
            pushBlob(ref, blob);
        }
        String target = ref.tag() != null ? ref.tag() : ref.digest();
        URI uri = URI.create(repositoryUrl(ref) + "/manifests/" + target);
        HttpResponse<String> response = client.sendAuthorized(ref, ACTIONS,
                () -> HttpRequest.newBuilder(uri).header("Content-Type", image.manifestMediaType())
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(image.manifest())),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 201 && response.statusCode() != 200) {
            throw failure(ref, "manifest", response);
        }
        log.debug("pushed {} ({})", ref.canonical(), image.manifestDigest());
        return image.manifestDigest();
    }

    /** Uploads one blob unless the registry already has it. */
    public void pushBlob(ImageReference ref, Blob blob) throws ImageException {
        String digest = blob.digest();
        URI head = URI.create(repositoryUrl(ref) + "/blobs/" + digest);
        HttpResponse<Void> exists = client.sendAuthorized(ref, ACTIONS,
                () -> HttpRequest.newBuilder(head).method("HEAD", HttpRequest.BodyPublishers.noBody()),
                HttpResponse.BodyHandlers.discarding());
        if (exists.statusCode() == 200) {
            return;
        }
        URI start = URI.create(repositoryUrl(ref) + "/blobs/uploads/");
        HttpResponse<String> started = client.sendAuthorized(ref, ACTIONS,
                () -> HttpRequest.newBuilder(start).POST(HttpRequest.BodyPublishers.noBody()),
                HttpResponse.BodyHandlers.ofString());
        if (started.statusCode() != 202) {
            throw failure(ref, "blob " + digest, started);
        }
        String location = started.headers().firstValue("Location")
                .orElseThrow(() -> new ImageException("registry " + ref.registry() + " started an upload without Location"));
        URI upload = started.uri().resolve(location);
        if (!upload.getAuthority().equalsIgnoreCase(URI.create(client.baseUrl(ref.registry())).getAuthority())) {
            throw new ImageException("registry " + ref.registry() + " sent an upload location on another host: " + upload.getAuthority());
        }
        URI put = URI.create(upload + (upload.getRawQuery() == null ? "?" : "&") + "digest=" + digest);
        HttpResponse<String> done = client.sendAuthorized(ref, ACTIONS,
                () -> HttpRequest.newBuilder(put).header("Content-Type", "application/octet-stream")
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(blob.bytes())),
                HttpResponse.BodyHandlers.ofString());
        if (done.statusCode() != 201) {
            throw failure(ref, "blob " + digest, done);
        }
    }

    private String repositoryUrl(ImageReference ref) {
        return client.baseUrl(ref.registry()) + "/v2/" + ref.repository();
    }

    private static ImageException failure(ImageReference ref, String what, HttpResponse<String> response) {
        return new ImageException("pushing the " + what + " of " + ref.canonical() + " failed: HTTP "
                + response.statusCode() + registryMessage(response.body()));
    }

    /** The first error of a registry's JSON error body, if there is one. */
    private static String registryMessage(String body) {
        try {
            JsonNode first = JSON.readTree(body).path("errors").path(0);
            if (first.isMissingNode()) {
                return "";
            }
            return " " + first.path("code").asText() + ": " + first.path("message").asText().lines().findFirst().orElse("");
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
