package io.gantry.image.registry;

import io.gantry.image.auth.RegistryCredentials;

import java.time.Clock;
import java.time.Duration;
import java.util.Set;

/**
 * How a {@link RegistryClient} reaches registries.
 *
 * @param insecureRegistries {@code host[:port]} entries spoken to over plain http
 * @param loopbackPlainHttp  whether loopback registries without a configured CA also get plain http
 *                           (the historical default; a registry with a CA in {@code tls} always gets https)
 * @param tls                per-registry CA certificates
 * @param credentials        looked up when a registry asks for authentication
 * @param requestTimeout     upper bound for a single request, including a whole blob download
 */
public record RegistryOptions(Set<String> insecureRegistries, boolean loopbackPlainHttp, RegistryTls tls,
                              RegistryCredentials credentials, String os, String architecture,
                              Duration requestTimeout, Clock clock) {
    public RegistryOptions {
        insecureRegistries = Set.copyOf(insecureRegistries);
    }

    /** linux/amd64, no insecure registries beyond loopback, CAs from the default certs dirs, no credentials. */
    public static RegistryOptions defaults() {
        return new RegistryOptions(Set.of(), true, RegistryTls.defaults(), RegistryCredentials.NONE, "linux", "amd64",
                Duration.ofMinutes(5), Clock.systemUTC());
    }

    public RegistryOptions withInsecureRegistries(Set<String> registries) {
        return new RegistryOptions(registries, loopbackPlainHttp, tls, credentials, os, architecture, requestTimeout, clock);
    }

    public RegistryOptions withLoopbackPlainHttp(boolean allowed) {
        return new RegistryOptions(insecureRegistries, allowed, tls, credentials, os, architecture, requestTimeout, clock);
    }

    public RegistryOptions withTls(RegistryTls registryTls) {
        return new RegistryOptions(insecureRegistries, loopbackPlainHttp, registryTls, credentials, os, architecture, requestTimeout, clock);
    }

    public RegistryOptions withCredentials(RegistryCredentials source) {
        return new RegistryOptions(insecureRegistries, loopbackPlainHttp, tls, source, os, architecture, requestTimeout, clock);
    }

    public RegistryOptions withPlatform(String platformOs, String platformArchitecture) {
        return new RegistryOptions(insecureRegistries, loopbackPlainHttp, tls, credentials, platformOs, platformArchitecture, requestTimeout, clock);
    }

    public RegistryOptions withRequestTimeout(Duration timeout) {
        return new RegistryOptions(insecureRegistries, loopbackPlainHttp, tls, credentials, os, architecture, timeout, clock);
    }

    public RegistryOptions withClock(Clock time) {
        return new RegistryOptions(insecureRegistries, loopbackPlainHttp, tls, credentials, os, architecture, requestTimeout, time);
    }
}
