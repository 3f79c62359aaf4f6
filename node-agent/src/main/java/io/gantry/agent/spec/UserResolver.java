package io.gantry.agent.spec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Resolves Docker-style {@code user[:group]} strings against the container's own
 * /etc/passwd and /etc/group, as Docker does (names never come from the host).
 */
public final class UserResolver {
    private final Path rootfs;

    public UserResolver(Path rootfs) {
        this.rootfs = rootfs;
    }

    public ProcessUser resolve(String userSpec) throws SpecException {
        String spec = userSpec == null || userSpec.isBlank() ? "0" : userSpec;
        int colon = spec.indexOf(':');
        String userPart = colon >= 0 ? spec.substring(0, colon) : spec;
        String groupPart = colon >= 0 ? spec.substring(colon + 1) : null;
        List<String[]> passwd = readEntries("etc/passwd");
        List<String[]> groups = readEntries("etc/group");

        long uid;
        long gid = 0;
        String userName = null;
        if (isNumeric(userPart)) {
            uid = Long.parseLong(userPart);
            Optional<String[]> byUid = passwd.stream().filter(e -> e.length >= 4 && e[2].equals(userPart)).findFirst();
            if (byUid.isPresent()) {
                gid = parseId(byUid.get()[3], 0);
                userName = byUid.get()[0];
            }
        } else {
            String[] e = passwd.stream().filter(x -> x.length >= 4 && x[0].equals(userPart)).findFirst()
                    .orElseThrow(() -> new SpecException("unable to find user " + userPart + ": no matching entries in passwd file"));
            uid = parseId(e[2], 0);
            gid = parseId(e[3], 0);
            userName = e[0];
        }
        if (groupPart != null && !groupPart.isEmpty()) {
            if (isNumeric(groupPart)) {
                gid = Long.parseLong(groupPart);
            } else {
                String g = groupPart;
                String[] ge = groups.stream().filter(e -> e.length >= 3 && e[0].equals(g)).findFirst()
                        .orElseThrow(() -> new SpecException("unable to find group " + g + ": no matching entries in group file"));
                gid = parseId(ge[2], 0);
            }
        }
        List<Long> additional = new ArrayList<>();
        if (userName != null && (groupPart == null || groupPart.isEmpty())) {
            for (String[] g : groups) {
                if (g.length >= 4 && List.of(g[3].split(",")).contains(userName)) {
                    long id = parseId(g[2], -1);
                    if (id >= 0 && id != gid && !additional.contains(id)) {
                        additional.add(id);
                    }
                }
            }
        }
        return new ProcessUser(uid, gid, additional);
    }

    private List<String[]> readEntries(String relative) throws SpecException {
        Path file = rootfs.resolve(relative);
        // Never follow a symlink planted in the image out to the host's files.
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
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
            throw new SpecException("cannot read /" + relative + " in the image: " + e.getMessage());
        }
    }

    private static boolean isNumeric(String s) {
        return !s.isEmpty() && s.chars().allMatch(Character::isDigit);
    }

    private static long parseId(String s, long fallback) {
        return isNumeric(s) ? Long.parseLong(s) : fallback;
    }
}
