package io.gantry.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs the real `gantry` jar as a separate process, as a user would. */
final class Gantry {
    static final Path JAR = Path.of("target/gantry.jar").toAbsolutePath();

    record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit=" + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private Gantry() {
    }

    static List<String> javaCommand(String... args) {
        if (!Files.exists(JAR)) {
            throw new IllegalStateException(JAR + " is missing: run the tests through `mvn verify`");
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** One CLI invocation against the scheduler at {@code addr}. */
    static Result cli(String addr, String... args) {
        List<String> all = new ArrayList<>(List.of("--addr", addr));
        all.addAll(List.of(args));
        return exec(Duration.ofSeconds(90), javaCommand(all.toArray(String[]::new)));
    }

    static Result exec(Duration timeout, List<String> cmd) {
        return exec(timeout, cmd, java.util.Map.of(), new byte[0]);
    }

    /** With extra environment variables and bytes for the process's stdin. */
    static Result exec(Duration timeout, List<String> cmd, java.util.Map<String, String> env, byte[] stdin) {
        try {
            var pb = new ProcessBuilder(cmd);
            pb.environment().putAll(env);
            Process p = pb.start();
            try (var in = p.getOutputStream()) {
                in.write(stdin);
            }
            CompletableFuture<String> out = drain(p.getInputStream());
            CompletableFuture<String> err = drain(p.getErrorStream());
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("timed out after " + timeout + ": " + cmd + "\n" + out.getNow("") + err.getNow(""));
            }
            return new Result(p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static CompletableFuture<String> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
    }

    static int freePort() {
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
