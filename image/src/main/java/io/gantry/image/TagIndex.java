package io.gantry.image;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The local {@code index.json}: which manifest digest each pulled {@code registry/repo:tag} resolved to last. */
final class TagIndex {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path file;
    private final Map<String, String> tags = new TreeMap<>();

    record Document(Map<String, String> tags) {
    }

    TagIndex(Path file) throws ImageException {
        this.file = file;
        if (Files.exists(file)) {
            try {
                Document document = JSON.readValue(file.toFile(), new TypeReference<Document>() { });
                if (document.tags() != null) {
                    tags.putAll(document.tags());
                }
            } catch (IOException e) {
                throw new ImageException("local image index " + file + " is corrupt: " + e.getMessage().lines().findFirst().orElse(""), e);
            }
        }
    }

    synchronized Optional<String> get(String taggedName) {
        return Optional.ofNullable(tags.get(taggedName));
    }

    synchronized void put(String taggedName, String digest) throws ImageException {
        if (digest.equals(tags.get(taggedName))) {
            return;
        }
        tags.put(taggedName, digest);
        try {
            Path temp = Files.createTempFile(file.getParent(), "index-", ".json.tmp");
            try {
                JSON.writeValue(temp.toFile(), new Document(tags));
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new ImageException("cannot write the local image index " + file + ": " + e.getMessage(), e);
        }
    }
}
