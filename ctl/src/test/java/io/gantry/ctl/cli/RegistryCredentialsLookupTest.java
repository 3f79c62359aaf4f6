package io.gantry.ctl.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gantry.proto.RegistryAuth;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryCredentialsLookupTest {
    @TempDir
    Path tmp;

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private RegistryCredentialsLookup lookup(String json) throws Exception {
        Path file = tmp.resolve("config.json");
        Files.writeString(file, json);
        return new RegistryCredentialsLookup(file);
    }

    @Test
    void findsTheEntryOfTheImagesRegistryInDockersFormat() throws Exception {
        var l = lookup("""
                {"auths": {
                  "127.0.0.1:5000": {"auth": "%s"},
                  "https://index.docker.io/v1/": {"auth": "%s"},
                  "https://Reg.Example.com/v2/": {"auth": "%s", "identitytoken": "refresh-tok"}
                }, "credsStore": "desktop"}
                """.formatted(b64("alice:pa:ss"), b64("hubuser:hubpass"), b64("bob:")));
        assertThat(l.forImage("127.0.0.1:5000/team/app:1.0")).contains(RegistryAuth.newBuilder()
                .setRegistry("127.0.0.1:5000").setUsername("alice").setPassword("pa:ss").build());
        assertThat(l.forImage("docker.io/library/busybox").orElseThrow().getUsername()).isEqualTo("hubuser");
        assertThat(l.forImage("reg.example.com/x@sha256:" + "a".repeat(64)).orElseThrow())
                .isEqualTo(RegistryAuth.newBuilder().setRegistry("reg.example.com").setUsername("bob").setIdentityToken("refresh-tok").build());
        assertThat(l.forImage("127.0.0.1:5001/app")).isEmpty();
    }

    @Test
    void unqualifiedNamesComeFromTheClustersDefaultRegistrySoNothingIsSent() throws Exception {
        var l = lookup("{\"auths\":{\"docker.io\":{\"auth\":\"" + b64("u:p") + "\"}}}");
        assertThat(l.forImage("busybox")).isEmpty();
        assertThat(l.forImage("library/busybox:1.36")).isEmpty();
        assertThat(RegistryCredentialsLookup.registryOf("localhost/app")).contains("localhost");
        assertThat(RegistryCredentialsLookup.registryOf("LOCALHOST:5000/app")).contains("localhost:5000");
    }

    @Test
    void aMissingFileMeansNoCredentials() {
        assertThat(new RegistryCredentialsLookup(tmp.resolve("nope/config.json")).forImage("127.0.0.1:5000/app")).isEmpty();
    }

    @Test
    void brokenFilesAreOneLineErrors() throws Exception {
        assertThatThrownBy(() -> lookup("{\"auths\":{\"127.0.0.1:5000\":{\"auth\":\"***\"}}}").forImage("127.0.0.1:5000/app"))
                .isInstanceOf(CliException.class).hasMessageContaining("not valid base64").hasMessageNotContaining("\n");
        assertThatThrownBy(() -> lookup("{\"auths\":{\"127.0.0.1:5000\":{\"auth\":\"" + b64("nocolon") + "\"}}}")
                .forImage("127.0.0.1:5000/app")).isInstanceOf(CliException.class).hasMessageContaining("not user:password");
        assertThatThrownBy(() -> lookup("{\"auths\": [").forImage("127.0.0.1:5000/app"))
                .isInstanceOf(CliException.class).hasMessageStartingWith("cannot read credentials file").hasMessageNotContaining("\n");
        assertThatThrownBy(() -> lookup("[1]").forImage("127.0.0.1:5000/app"))
                .isInstanceOf(CliException.class).hasMessageContaining("is not a JSON object");
    }

    @Test
    void theFileIsGantryConfigsOrInTheHomeDirectory() {
        assertThat(RegistryCredentialsLookup.defaultPath(Map.of("GANTRY_CONFIG", "/etc/g"), Path.of("/home/u")))
                .isEqualTo(Path.of("/etc/g/config.json"));
        assertThat(RegistryCredentialsLookup.defaultPath(Map.of(), Path.of("/home/u"))).isEqualTo(Path.of("/home/u/.gantry/config.json"));
    }
}
