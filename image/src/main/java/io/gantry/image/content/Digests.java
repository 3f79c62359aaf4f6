package io.gantry.image.content;

import io.gantry.image.ImageException;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** sha256 digests in their {@code sha256:<hex>} form; the only algorithm this module accepts. */
public final class Digests {
    private static final Pattern SHA256 = Pattern.compile("sha256:[a-f0-9]{64}");

    private Digests() {
    }

    public static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    public static String sha256(byte[] bytes) {
        return format(newSha256().digest(bytes));
    }

    public static String format(byte[] rawDigest) {
        return "sha256:" + HexFormat.of().formatHex(rawDigest);
    }

    public static boolean isValid(String digest) {
        return digest != null && SHA256.matcher(digest).matches();
    }

    /** Throws unless {@code digest} is a well-formed sha256 digest; {@code what} names it in the message. */
    public static String require(String digest, String what) throws ImageException {
        if (!isValid(digest)) {
            throw new ImageException(what + " has an unsupported or malformed digest \"" + digest + "\" (only sha256 is supported)");
        }
        return digest;
    }

    /** The 64 hex characters of a valid digest. */
    public static String hex(String digest) {
        if (!isValid(digest)) {
            throw new IllegalArgumentException("not a sha256 digest: " + digest);
        }
        return digest.substring("sha256:".length());
    }
}
