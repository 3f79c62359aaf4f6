package io.gantry.image;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The local {@code index.json}: which manifest digest each reference points at
 * ({@code registry/repo:tag}, or {@code registry/repo@sha256:...} for images pulled by digest),
 * and which images (by manifest digest) the store holds, tagged or not. Every change is written
 * atomically, so after a crash the file is either the old or the new state.
 */
final class TagIndex {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    private final Path file;
    private final Map<String, String> tags = new TreeMap<>();
    private final Map<String, ImageEntry> images = new TreeMap<>();

    /** @param pulled ISO-8601 instant of the first pull into this store */
    record ImageEntry(String pulled) {
    }

    record Document(Map<String, String> tags, Map<String, ImageEntry> images) {
    }

    /** A consistent copy of the index. */
    record Snapshot(Map<String, String> tags, Map<String, ImageEntry> images) {
    }

    TagIndex(Path file) throws ImageException {
        this.file = file;
        if (Files.exists(file)) {
            try {
                Document document = JSON.readValue(file.toFile(), new TypeReference<Document>() { });
                if (document.tags() != null) {
                    tags.putAll(document.tags());
                }
                if (document.images() != null) {
                    images.putAll(document.images());
                }
            } catch (IOException e) {
                throw new ImageException("local image index " + file + " is corrupt: " + e.getMessage().lines().findFirst().orElse(""), e);
            }
            // Indexes written before images were tracked know their images only through tags.
            tags.values().forEach(digest -> images.putIfAbsent(digest, new ImageEntry(null)));
        }
    }

    synchronized Optional<String> get(String reference) {
        return Optional.ofNullable(tags.get(reference));
    }

    synchronized Snapshot snapshot() {
        return new Snapshot(Map.copyOf(tags), Map.copyOf(images));
    }

    /** Points {@code reference} (null: none) at {@code digest} and records the image. */
    synchronized void put(String reference, String digest, String pulledAt) throws ImageException {
        boolean changed = false;
        if (!images.containsKey(digest)) {
            images.put(digest, new ImageEntry(pulledAt));
            changed = true;
        }
        if (reference != null && !digest.equals(tags.get(reference))) {
            tags.put(reference, digest);
            changed = true;
        }
        if (changed) {
            write();
        }
    }

    /** Removes {@code references} and forgets {@code deletedImages}, in one atomic write. */
    synchronized void remove(java.util.Collection<String> references, java.util.Collection<String> deletedImages) throws ImageException {
        boolean changed = false;
        for (String reference : references) {
            changed |= tags.remove(reference) != null;
        }
        for (String digest : deletedImages) {
            changed |= images.remove(digest) != null;
            changed |= tags.values().removeIf(digest::equals);
        }
        if (changed) {
            write();
        }
    }

    private void write() throws ImageException {
        try {
            Path temp = Files.createTempFile(file.getParent(), "index-", ".json.tmp");
            try {
                JSON.writeValue(temp.toFile(), new Document(tags, images));
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new ImageException("cannot write the local image index " + file + ": " + e.getMessage(), e);
        }
    }
}
