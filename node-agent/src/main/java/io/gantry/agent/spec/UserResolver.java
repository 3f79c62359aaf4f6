package io.gantry.agent.spec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Resolves Docker-style {@code user[:group]} strings against the container's own
 * /etc/passwd and /etc/group, as Docker does (names never come from the host).
 */
public final class UserResolver {
    /** ASCII digits only: {@link Character#isDigit} would also accept e.g. Arabic-Indic digits. */
    private static final Pattern DIGITS = Pattern.compile("[0-9]+");
    /** The largest valid id: 2^32-1 is (uid_t) -1, which the kernel treats as "no id". */
    static final long MAX_ID = 4294967294L;

    private final Path rootfs;

    public UserResolver(Path rootfs) {
        this.rootfs = rootfs;
    }

    public ProcessUser resolve(String userSpec) throws SpecException {
        String spec = userSpec == null || userSpec.isBlank() ? "0" : userSpec;
        int colon = spec.indexOf(':');
        String userPart = colon >= 0 ? spec.substring(0, colon) : spec;
        String groupPart = colon >= 0 ? spec.substring(colon + 1) : null;
        List<String[]> passwd = readEntries("passwd");
        List<String[]> groups = readEntries("group");

        long uid;
        long gid = 0;
        String userName = null;
        if (isNumeric(userPart)) {
            uid = requireId(userPart, spec, "uid");
            Optional<String[]> byUid = passwd.stream().filter(e -> e.length >= 4 && e[2].equals(userPart)).findFirst();
            if (byUid.isPresent()) {
                gid = fileId(byUid.get()[3], spec, "gid");
                userName = byUid.get()[0];
            }
        } else {
            String[] e = passwd.stream().filter(x -> x.length >= 4 && x[0].equals(userPart)).findFirst()
                    .orElseThrow(() -> new SpecException("unable to find user " + printable(userPart) + ": no matching entries in passwd file"));
            uid = fileId(e[2], spec, "uid");
            gid = fileId(e[3], spec, "gid");
            userName = e[0];
        }
        if (groupPart != null && !groupPart.isEmpty()) {
            if (isNumeric(groupPart)) {
                gid = requireId(groupPart, spec, "gid");
            } else {
                String g = groupPart;
                String[] ge = groups.stream().filter(e -> e.length >= 3 && e[0].equals(g)).findFirst()
                        .orElseThrow(() -> new SpecException("unable to find group " + printable(g) + ": no matching entries in group file"));
                gid = fileId(ge[2], spec, "gid");
            }
        }
        List<Long> additional = new ArrayList<>();
        if (userName != null && (groupPart == null || groupPart.isEmpty())) {
            for (String[] g : groups) {
                if (g.length >= 4 && List.of(g[3].split(",")).contains(userName)) {
                    long id = parseId(g[2]);
                    if (id >= 0 && id != gid && !additional.contains(id)) {
                        additional.add(id);
                    }
                }
            }
        }
        return new ProcessUser(uid, gid, additional);
    }

    /**
     * Reads {@code /etc/<name>} of the rootfs. Neither {@code etc} nor the file may be a symlink:
     * the kernel would resolve it against the host's root, so an image could point us at the
     * host's own files. Such an image is treated like one without the file.
     */
    private List<String[]> readEntries(String name) throws SpecException {
        Path etc = rootfs.resolve("etc");
        Path file = etc.resolve(name);
        if (!Files.isDirectory(etc, LinkOption.NOFOLLOW_LINKS) || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        try {
            List<String[]> out = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                out.add(line.split(":", -1));
            }
            return out;
        } catch (IOException e) {
            throw new SpecException("cannot read /etc/" + name + " in the image: " + e.getMessage());
        }
    }

    private static boolean isNumeric(String s) {
        return DIGITS.matcher(s).matches();
    }

    /** A numeric id given by the user; out of range is the user's error, reported in one line. */
    private static long requireId(String digits, String spec, String kind) throws SpecException {
        long id = parseId(digits);
        if (id < 0) {
            throw new SpecException("invalid user \"" + printable(spec) + "\": " + kind + " out of range");
        }
        return id;
    }

    /**
     * An id field of the image's passwd/group file: like runc, a non-number counts as 0; a number
     * out of range is an error rather than silently becoming root.
     */
    private static long fileId(String field, String spec, String kind) throws SpecException {
        return isNumeric(field) ? requireId(field, spec, kind) : 0;
    }

    /** A decimal id in 0..{@link #MAX_ID}, or -1 (at most 10 digits, so parsing cannot overflow). */
    private static long parseId(String text) {
        if (!isNumeric(text) || text.length() > 10) {
            return -1;
        }
        long id = Long.parseLong(text);
        return id <= MAX_ID ? id : -1;
    }

    private static String printable(String text) {
        String cleaned = text.replaceAll("\\p{Cntrl}", "?");
        return cleaned.length() > 100 ? cleaned.substring(0, 100) + "..." : cleaned;
    }
}
