package io.gantry.image;

import io.gantry.image.content.Digests;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A parsed image reference such as {@code busybox}, {@code busybox:1.36},
 * {@code 127.0.0.1:5000/team/app@sha256:...}. Unqualified names resolve to the
 * cluster's default registry (not Docker Hub: this cluster has its own).
 *
 * @param registry   host[:port] of the registry, never empty after {@link #parse}
 * @param repository repository path, e.g. {@code busybox} or {@code team/app}
 * @param tag        tag, {@code latest} when neither tag nor digest was given; may be null when a digest is given
 * @param digest     {@code sha256:<64 hex>} or null
 */
public record ImageReference(String registry, String repository, String tag, String digest) {

    private static final Pattern PATH_COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    private static final Pattern HOST = Pattern.compile(
            "(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]{1,5})?");
    private static final int MAX_NAME_LENGTH = 255;

    /** Parses {@code text}; throws {@link ImageException} with a one-line message when it is not a valid reference. */
    public static ImageReference parse(String text, String defaultRegistry) throws ImageException {
        if (text == null || text.isBlank()) {
            throw invalid(text == null ? "" : text, "empty reference");
        }
        String rest = text;
        String digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = rest.substring(at + 1);
            rest = rest.substring(0, at);
            if (!Digests.isValid(digest)) {
                throw invalid(text, "digest must be sha256: followed by 64 lowercase hex characters");
            }
        }
        String tag = null;
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw invalid(text, "invalid tag \"" + tag + "\"");
            }
        }
        String registry = null;
        String path = rest;
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            String first = rest.substring(0, slash);
            if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
                registry = first;
                path = rest.substring(slash + 1);
                if (!HOST.matcher(registry).matches()) {
                    throw invalid(text, "invalid registry \"" + registry + "\"");
                }
            }
        }
        if (path.isEmpty()) {
            throw invalid(text, "repository name is empty");
        }
        if (path.length() > MAX_NAME_LENGTH) {
            throw invalid(text, "repository name must not be longer than " + MAX_NAME_LENGTH + " characters");
        }
        for (String component : path.split("/", -1)) {
            if (!PATH_COMPONENT.matcher(component).matches()) {
                if (PATH_COMPONENT.matcher(component.toLowerCase(Locale.ROOT)).matches()) {
                    throw invalid(text, "repository name must be lowercase");
                }
                throw invalid(text, "invalid repository name component \"" + component + "\"");
            }
        }
        if (registry == null) {
            if (defaultRegistry == null || defaultRegistry.isBlank()) {
                throw invalid(text, "no registry given and no default registry configured");
            }
            registry = defaultRegistry;
        }
        if (tag == null && digest == null) {
            tag = "latest";
        }
        return new ImageReference(registry, path, tag, digest);
    }

    /** The reference in its full form, e.g. {@code 127.0.0.1:5000/busybox:latest}. */
    public String canonical() {
        StringBuilder out = new StringBuilder(registry).append('/').append(repository);
        if (tag != null) {
            out.append(':').append(tag);
        }
        if (digest != null) {
            out.append('@').append(digest);
        }
        return out.toString();
    }

    /** The tag if any, else the digest: what to put after {@code /manifests/}. */
    public String manifestReference() {
        return digest != null ? digest : tag;
    }

    /** The same repository pinned to {@code manifestDigest} (tag kept for display). */
    public ImageReference withDigest(String manifestDigest) {
        return new ImageReference(registry, repository, tag, manifestDigest);
    }

    @Override
    public String toString() {
        return canonical();
    }

    private static ImageException invalid(String text, String why) {
        String shown = text.replaceAll("[\\p{Cntrl}]", "?");
        return new ImageException("invalid image reference \"" + shown + "\": " + why);
    }
}
