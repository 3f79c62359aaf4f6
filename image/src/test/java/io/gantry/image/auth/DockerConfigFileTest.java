package io.gantry.image.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gantry.image.ImageException;
import io.gantry.image.auth.RegistryCredentials.Credential;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DockerConfigFileTest {
    @TempDir
    Path temp;

    @Test
    void loginWritesDockersFormatPrivatelyAndLogoutRemovesOnlyItsEntry() throws Exception {
        Path file = temp.resolve("home/.docker/config.json");
        DockerConfigFile config = new DockerConfigFile(file);
        config.login("127.0.0.1:5001", new Credential.UsernamePassword("alice", "s3cret:with:colons"));
        config.login("registry.example.com", new Credential.UsernamePassword("bob", "pw"));

        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
        JsonNode json = new ObjectMapper().readTree(file.toFile());
        assertEquals(Base64.getEncoder().encodeToString("alice:s3cret:with:colons".getBytes(StandardCharsets.UTF_8)),
                json.path("auths").path("127.0.0.1:5001").path("auth").asText());
        assertEquals(Optional.of(new Credential.UsernamePassword("alice", "s3cret:with:colons")), config.lookup("127.0.0.1:5001"));
        assertEquals(Set.of("127.0.0.1:5001", "registry.example.com"), config.registries());

        assertTrue(config.logout("127.0.0.1:5001"));
        assertFalse(config.logout("127.0.0.1:5001"));
        assertEquals(Optional.empty(), config.lookup("127.0.0.1:5001"));
        assertEquals(Optional.of(new Credential.UsernamePassword("bob", "pw")), config.lookup("registry.example.com"));
        try (var left = Files.list(file.getParent())) {
            assertEquals(1, left.count(), "no temp files left");
        }
    }

    @Test
    void otherKeysOfTheFileAreKept() throws Exception {
        Path file = Files.createDirectories(temp.resolve("d")).resolve("config.json");
        Files.writeString(file, """
                {"auths":{"https://index.docker.io/v1/":{"auth":"%s"},"old.example:5000":{"auth":"%s"}},
                 "credsStore":"desktop","proxies":{"default":{"httpProxy":"http://127.0.0.1:3128"}},"psFormat":"{{.ID}}"}
                """.formatted(b64("hub:pw"), b64("x:y")));
        DockerConfigFile config = new DockerConfigFile(file);
        config.login("127.0.0.1:5001", new Credential.UsernamePassword("alice", "pw"));
        config.logout("old.example:5000");
        JsonNode json = new ObjectMapper().readTree(file.toFile());
        assertEquals("desktop", json.path("credsStore").asText());
        assertEquals("http://127.0.0.1:3128", json.path("proxies").path("default").path("httpProxy").asText());
        assertEquals("{{.ID}}", json.path("psFormat").asText());
        assertEquals(Set.of("docker.io", "127.0.0.1:5001"), config.registries());
        // Hub's historical URL key answers for docker.io and its aliases.
        assertEquals(Optional.of(new Credential.UsernamePassword("hub", "pw")), config.lookup("docker.io"));
        assertEquals(Optional.of(new Credential.UsernamePassword("hub", "pw")), config.lookup("registry-1.docker.io"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }

    @Test
    void urlKeysAndIdentityTokensAreUnderstood() throws Exception {
        Path file = temp.resolve("config.json");
        Files.writeString(file, "{\"auths\":{\"https://127.0.0.1:5002/v2/\":{\"auth\":\"" + b64("u:p") + "\"},"
                + "\"tok.example\":{\"auth\":\"" + b64("<token>:") + "\",\"identitytoken\":\"refresh-me\"}}}");
        DockerConfigFile config = new DockerConfigFile(file);
        assertEquals(Optional.of(new Credential.UsernamePassword("u", "p")), config.lookup("127.0.0.1:5002"));
        assertEquals(Optional.of(new Credential.IdentityToken("<token>", "refresh-me")), config.lookup("tok.example"));
        config.login("tok.example", new Credential.IdentityToken(null, "other"));
        assertEquals(Optional.of(new Credential.IdentityToken("<token>", "other")), config.lookup("tok.example"));
    }

    @Test
    void missingFileIsEmptyAndCorruptFileIsAOneLineError() throws Exception {
        assertEquals(Optional.empty(), new DockerConfigFile(temp.resolve("none.json")).lookup("x"));
        Path bad = Files.writeString(temp.resolve("bad.json"), "{\"auths\":{\"x\":{\"auth\":\"%%%\"}}}");
        ImageException e = assertThrows(ImageException.class, () -> new DockerConfigFile(bad).lookup("x"));
        assertEquals("credentials file " + bad + ": the auth of x is not valid base64", e.getMessage());
        Path garbage = Files.writeString(temp.resolve("garbage.json"), "[1,2");
        ImageException g = assertThrows(ImageException.class, () -> new DockerConfigFile(garbage).lookup("x"));
        assertFalse(g.getMessage().contains("\n"), g.getMessage());
    }

    @Test
    void defaultPathFollowsDockerConfig() {
        assertEquals(Path.of("/cfg/config.json"), DockerConfigFile.defaultPath(Map.of("DOCKER_CONFIG", "/cfg"), Path.of("/root")));
        assertEquals(Path.of("/root/.docker/config.json"), DockerConfigFile.defaultPath(Map.of(), Path.of("/root")));
    }

    private static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
