package io.gantry.agent.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Seccomp profiles in Docker's JSON format (defaultAction, architectures or archMap, syscalls with
 * names/action/errnoRet/args and includes/excludes on caps and arches), turned into the OCI
 * {@code linux.seccomp} form for one container's final capability set. The default profile is the
 * resource {@code default-seccomp.json} next to this class.
 */
public final class SeccompProfiles {
    static final Set<String> ACTIONS = Set.of("SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
            "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG");
    static final Set<String> OPS = Set.of("SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE",
            "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ");

    private final ObjectMapper json = new ObjectMapper();
    private final JsonNode defaultProfile;
    private final String nativeArch;

    /** @param nativeArch the seccomp name of this host's architecture, e.g. SCMP_ARCH_X86_64 */
    public SeccompProfiles(String nativeArch) {
        this.nativeArch = nativeArch;
        try (InputStream in = SeccompProfiles.class.getResourceAsStream("default-seccomp.json")) {
            this.defaultProfile = json.readTree(in);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("the default seccomp profile resource is missing or broken", e);
        }
    }

    public static String hostArch() {
        return switch (System.getProperty("os.arch")) {
            case "aarch64", "arm64" -> "SCMP_ARCH_AARCH64";
            default -> "SCMP_ARCH_X86_64";
        };
    }

    public JsonNode defaultProfile() {
        return defaultProfile;
    }

    /**
     * The OCI seccomp object for {@code seccomp} ("" = default, "unconfined" = none, else a Docker-format
     * profile's JSON text) given the container's final capabilities; empty = no seccomp.
     */
    public Optional<ObjectNode> forContainer(String seccomp, Collection<String> caps) throws SpecException {
        if (seccomp.equals("unconfined")) {
            return Optional.empty();
        }
        JsonNode profile = defaultProfile;
        if (!seccomp.isBlank()) {
            try {
                profile = json.readTree(seccomp);
            } catch (JsonProcessingException e) {
                throw new SpecException("invalid seccomp profile: not JSON: " + e.getOriginalMessage());
            }
        }
        return Optional.of(toOci(profile, caps));
    }

    ObjectNode toOci(JsonNode profile, Collection<String> caps) throws SpecException {
        if (profile == null || !profile.isObject()) {
            throw new SpecException("invalid seccomp profile: a JSON object is expected");
        }
        ObjectNode out = json.createObjectNode();
        out.put("defaultAction", action(profile.path("defaultAction"), "defaultAction"));
        if (profile.has("defaultErrnoRet")) {
            out.put("defaultErrnoRet", uint(profile.get("defaultErrnoRet"), "defaultErrnoRet"));
        }
        ArrayNode arches = out.putArray("architectures");
        if (profile.has("architectures")) {
            for (String a : texts(profile.get("architectures"), "architectures")) {
                arches.add(arch(a));
            }
        } else {
            for (JsonNode m : profile.path("archMap")) {
                if (nativeArch.equals(m.path("architecture").asText())) {
                    arches.add(nativeArch);
                    for (String sub : texts(m.path("subArchitectures"), "subArchitectures")) {
                        arches.add(arch(sub));
                    }
                }
            }
        }
        if (arches.isEmpty()) {
            out.remove("architectures"); // runc then takes the native one
        }
        ArrayNode syscalls = out.putArray("syscalls");
        JsonNode rules = profile.path("syscalls");
        if (!rules.isMissingNode() && !rules.isArray()) {
            throw new SpecException("invalid seccomp profile: \"syscalls\" must be an array");
        }
        for (JsonNode rule : rules) {
            if (!applies(rule, caps)) {
                continue;
            }
            List<String> names = new ArrayList<>();
            if (rule.has("names")) {
                names.addAll(texts(rule.get("names"), "names"));
            }
            if (rule.hasNonNull("name")) {
                names.add(rule.get("name").asText());
            }
            if (names.isEmpty()) {
                throw new SpecException("invalid seccomp profile: a syscalls entry has no names");
            }
            ObjectNode s = syscalls.addObject();
            ArrayNode n = s.putArray("names");
            names.forEach(n::add);
            s.put("action", action(rule.path("action"), "action"));
            if (rule.has("errnoRet")) {
                s.put("errnoRet", uint(rule.get("errnoRet"), "errnoRet"));
            }
            if (rule.has("args") && !rule.get("args").isNull()) {
                ArrayNode args = s.putArray("args");
                for (JsonNode a : rule.get("args")) {
                    String op = a.path("op").asText();
                    if (!OPS.contains(op)) {
                        throw new SpecException("invalid seccomp profile: unknown operator \"" + Capabilities.printable(op) + "\"");
                    }
                    ObjectNode arg = args.addObject();
                    arg.put("index", uint(a.path("index"), "index"));
                    arg.put("value", uint(a.path("value"), "value"));
                    if (a.has("valueTwo")) {
                        arg.put("valueTwo", uint(a.get("valueTwo"), "valueTwo"));
                    }
                    arg.put("op", op);
                }
            }
        }
        return out;
    }

    /** Docker's rule: all of includes.caps held, none of excludes.caps held; the same for arches. */
    private boolean applies(JsonNode rule, Collection<String> caps) throws SpecException {
        for (String c : texts(rule.path("includes").path("caps"), "includes.caps")) {
            if (!caps.contains(c)) {
                return false;
            }
        }
        for (String c : texts(rule.path("excludes").path("caps"), "excludes.caps")) {
            if (caps.contains(c)) {
                return false;
            }
        }
        List<String> inArches = texts(rule.path("includes").path("arches"), "includes.arches");
        if (!inArches.isEmpty() && inArches.stream().noneMatch(this::isNative)) {
            return false;
        }
        return texts(rule.path("excludes").path("arches"), "excludes.arches").stream().noneMatch(this::isNative);
    }

    /** Docker profiles name arches both ways: "amd64"/"x86_64" or "SCMP_ARCH_X86_64". */
    private boolean isNative(String a) {
        return a.equals(nativeArch) || switch (a) {
            case "amd64", "x86_64" -> nativeArch.equals("SCMP_ARCH_X86_64");
            case "arm64", "aarch64" -> nativeArch.equals("SCMP_ARCH_AARCH64");
            default -> false;
        };
    }

    private static String arch(String a) throws SpecException {
        if (!a.matches("SCMP_ARCH_[A-Z0-9_]+")) {
            throw new SpecException("invalid seccomp profile: unknown architecture \"" + Capabilities.printable(a) + "\"");
        }
        return a;
    }

    private static String action(JsonNode n, String field) throws SpecException {
        String a = n.asText("");
        if (!ACTIONS.contains(a)) {
            throw new SpecException("invalid seccomp profile: " + field + " \"" + Capabilities.printable(a) + "\" is not a known action");
        }
        return a;
    }

    private static long uint(JsonNode n, String field) throws SpecException {
        if (!n.canConvertToLong() || !n.isIntegralNumber() || n.asLong() < 0) {
            throw new SpecException("invalid seccomp profile: " + field + " must be a non-negative integer");
        }
        return n.asLong();
    }

    private static List<String> texts(JsonNode n, String field) throws SpecException {
        if (n.isMissingNode() || n.isNull()) {
            return List.of();
        }
        if (!n.isArray()) {
            throw new SpecException("invalid seccomp profile: \"" + field + "\" must be an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode x : n) {
            if (!x.isTextual()) {
                throw new SpecException("invalid seccomp profile: \"" + field + "\" must be an array of strings");
            }
            out.add(x.asText());
        }
        return out;
    }

}
