package io.gantry.image.auth;

import io.gantry.image.ImageException;

import java.util.Map;
import java.util.Optional;

/**
 * Where a registry client finds the credentials for a registry, by {@code host[:port]}.
 * Lookups happen when a registry asks for authentication, so a login takes effect on the next pull.
 */
@FunctionalInterface
public interface RegistryCredentials {
    RegistryCredentials NONE = registry -> Optional.empty();

    Optional<Credential> lookup(String registry) throws ImageException;

    /** What one logs in with: a user name and password, or an identity (OAuth2 refresh) token. */
    sealed interface Credential {
        record UsernamePassword(String username, String password) implements Credential {
            public UsernamePassword {
                if (username == null || username.isEmpty() || username.contains(":")) {
                    throw new IllegalArgumentException("a registry user name must be non-empty and must not contain ':'");
                }
                if (password == null) {
                    throw new IllegalArgumentException("a registry password must not be null");
                }
            }

            @Override
            public String toString() {
                return "UsernamePassword[" + username + ", ***]";
            }
        }

        /** Docker's {@code identitytoken}: exchanged at the token service for access tokens. */
        record IdentityToken(String username, String token) implements Credential {
            @Override
            public String toString() {
                return "IdentityToken[" + username + ", ***]";
            }
        }
    }

    /** Fixed credentials, e.g. those sent along with one pull request. */
    static RegistryCredentials of(Map<String, Credential> byRegistry) {
        Map<String, Credential> copy = Map.copyOf(byRegistry);
        return registry -> Optional.ofNullable(copy.get(registry));
    }

    /** This source first, then {@code fallback}. */
    default RegistryCredentials orElse(RegistryCredentials fallback) {
        return registry -> {
            Optional<Credential> mine = lookup(registry);
            return mine.isPresent() ? mine : fallback.lookup(registry);
        };
    }
}
