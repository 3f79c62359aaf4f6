package io.gantry.agent.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.gantry.image.ImageConfig;
import io.gantry.proto.Mount;
import io.gantry.proto.SecurityOptions;
import io.gantry.proto.Ulimit;
import io.gantry.proto.WorkloadSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The new WorkloadSpec fields (15-21) in config.json, without running anything. */
class SecurityOptionsSpecTest {
    static final String ID = "0123456789abcdef";
    @TempDir
    Path rootfs;
    @TempDir
    Path host;
    final Path init = Path.of("/usr/bin/catatonit");
    OciSpecBuilder builder;
    final ImageConfig image = new ImageConfig(List.of(), List.of(), List.of("sh"), "", "", Map.of(), "");

    @BeforeEach
    void etc() throws Exception {
        builder = new OciSpecBuilder("gantry", 4096, Map.of("RLIMIT_NOFILE", 20000L, "RLIMIT_CORE", -1L, "RLIMIT_NPROC", 5000L),
                init, new SeccompProfiles("SCMP_ARCH_X86_64"), Capabilities.ALL, List.of(host.resolve("agent-state")));
        Files.createDirectories(rootfs.resolve("etc"));
        Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
    }

    private JsonNode build(WorkloadSpec.Builder spec) throws SpecException {
        return builder.build(ID, spec.build(), image, rootfs, (name, content) -> host.resolve("vol-" + name));
    }

    private static List<String> caps(SecurityOptions.Builder s) throws SpecException {
        return Capabilities.resolve(s.build());
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void capabilityArithmetic() throws Exception {
        assertEquals(14, caps(SecurityOptions.newBuilder()).size());
        List<String> noRaw = caps(SecurityOptions.newBuilder().addCapDrop("net_raw").addCapAdd("sys_admin"));
        assertFalse(noRaw.contains("CAP_NET_RAW"));
        assertTrue(noRaw.contains("CAP_SYS_ADMIN"));
        assertEquals(14, noRaw.size());
        assertEquals(List.of("CAP_CHOWN"), caps(SecurityOptions.newBuilder().addCapDrop("ALL").addCapAdd("CAP_CHOWN")));
        List<String> all = caps(SecurityOptions.newBuilder().addCapAdd("all").addCapDrop("MKNOD"));
        assertEquals(Capabilities.ALL.size() - 1, all.size());
        assertFalse(all.contains("CAP_MKNOD"));
        assertEquals(Capabilities.ALL, caps(SecurityOptions.newBuilder().setPrivileged(true).addCapDrop("ALL")));
        SpecException e = assertThrows(SpecException.class, () -> caps(SecurityOptions.newBuilder().addCapAdd("FLY")));
        assertEquals("unknown capability: \"FLY\"", e.getMessage());
        // The agent's own bounding set limits ALL and privileged; a single missing one is refused clearly.
        List<String> agent = Capabilities.ALL.stream().filter(c -> !c.equals("CAP_SYS_RESOURCE")).toList();
        assertEquals(agent, Capabilities.resolve(SecurityOptions.newBuilder().setPrivileged(true).build(), agent));
        SpecException missing = assertThrows(SpecException.class,
                () -> Capabilities.resolve(SecurityOptions.newBuilder().addCapAdd("SYS_RESOURCE").build(), agent));
        assertEquals("capability SYS_RESOURCE is not available on this node", missing.getMessage());
        assertEquals(List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE"), Capabilities.fromMask(3));
    }

    @Test
    void privilegedDropsTheConfinement() throws Exception {
        JsonNode spec = build(WorkloadSpec.newBuilder().setSecurity(SecurityOptions.newBuilder().setPrivileged(true)));
        assertEquals(Capabilities.ALL.size(), spec.at("/process/capabilities/effective").size());
        assertFalse(spec.get("linux").has("seccomp"));
        assertFalse(spec.get("linux").has("maskedPaths"));
        assertFalse(spec.get("linux").has("readonlyPaths"));
        JsonNode devices = spec.at("/linux/resources/devices");
        assertEquals(1, devices.size());
        assertTrue(devices.get(0).get("allow").asBoolean());
        spec.get("mounts").forEach(m -> {
            if (m.get("destination").asText().startsWith("/sys")) {
                assertTrue(strings(m.get("options")).contains("rw"), m.toString());
            }
        });
        assertTrue(spec.at("/process/noNewPrivileges").asBoolean());
        assertFalse(build(WorkloadSpec.newBuilder().setSecurity(SecurityOptions.newBuilder().setAllowNewPrivileges(true)))
                .at("/process/noNewPrivileges").asBoolean());
    }

    private static Set<String> allowed(JsonNode seccomp) {
        Set<String> out = new HashSet<>();
        for (JsonNode rule : seccomp.get("syscalls")) {
            if (rule.get("action").asText().equals("SCMP_ACT_ALLOW") && !rule.has("args")) {
                out.addAll(strings(rule.get("names")));
            }
        }
        return out;
    }

    @Test
    void defaultSeccompIsAnAllowListWithCapabilityConditions() throws Exception {
        JsonNode sc = build(WorkloadSpec.newBuilder()).at("/linux/seccomp");
        assertEquals("SCMP_ACT_ERRNO", sc.get("defaultAction").asText());
        assertEquals(1, sc.get("defaultErrnoRet").asInt());
        assertEquals(List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"), strings(sc.get("architectures")));
        Set<String> allowed = allowed(sc);
        assertTrue(allowed.size() > 340, "about Docker's set: " + allowed.size());
        assertTrue(allowed.containsAll(List.of("read", "write", "execve", "openat", "chroot", "socket")));
        for (String blocked : List.of("keyctl", "add_key", "request_key", "kexec_load", "init_module", "finit_module",
                "delete_module", "bpf", "perf_event_open", "userfaultfd", "open_by_handle_at", "swapon", "swapoff", "reboot",
                "settimeofday", "acct", "quotactl", "pivot_root", "mount", "umount2", "unshare", "setns", "ptrace", "clone3")) {
            assertFalse(allowed.contains(blocked), blocked);
        }
        JsonNode clone = find(sc, "clone");
        assertEquals("SCMP_CMP_MASKED_EQ", clone.at("/args/0/op").asText());
        assertEquals(0x7E020000L, clone.at("/args/0/value").asLong());
        JsonNode clone3 = find(sc, "clone3");
        assertEquals("SCMP_ACT_ERRNO", clone3.get("action").asText());
        assertEquals(38, clone3.get("errnoRet").asInt());

        JsonNode admin = build(WorkloadSpec.newBuilder().setSecurity(SecurityOptions.newBuilder().addCapAdd("SYS_ADMIN").addCapAdd("SYS_PTRACE")))
                .at("/linux/seccomp");
        Set<String> adminAllowed = allowed(admin);
        assertTrue(adminAllowed.containsAll(List.of("mount", "umount2", "unshare", "setns", "clone", "clone3", "ptrace", "bpf")));
        assertFalse(adminAllowed.contains("keyctl"));
        for (JsonNode rule : admin.get("syscalls")) {
            assertFalse(rule.has("args") && strings(rule.get("names")).contains("clone"), "no masked clone with SYS_ADMIN");
        }
        JsonNode noChroot = build(WorkloadSpec.newBuilder().setSecurity(SecurityOptions.newBuilder().addCapDrop("SYS_CHROOT")))
                .at("/linux/seccomp");
        assertFalse(allowed(noChroot).contains("chroot"));
        assertFalse(build(WorkloadSpec.newBuilder().setSecurity(SecurityOptions.newBuilder().setSeccomp("unconfined")))
                .get("linux").has("seccomp"));
    }

    private static JsonNode find(JsonNode seccomp, String name) {
        for (JsonNode rule : seccomp.get("syscalls")) {
            if (strings(rule.get("names")).contains(name)) {
                return rule;
            }
        }
        throw new AssertionError(name + " has no rule");
    }

    @Test
    void customSeccompProfileInDockersFormat() throws Exception {
        String profile = """
                {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
                 "syscalls": [{"names": ["chmod"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
                              {"name": "mkdir", "action": "SCMP_ACT_ERRNO", "excludes": {"caps": ["CAP_CHOWN"]}},
                              {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
                               "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}], "includes": {"caps": ["CAP_CHOWN"]}}]}""";
        JsonNode sc = build(WorkloadSpec.newBuilder().setSecurity(SecurityOptions.newBuilder().setSeccomp(profile))).at("/linux/seccomp");
        assertEquals("SCMP_ACT_ALLOW", sc.get("defaultAction").asText());
        assertEquals(List.of("SCMP_ARCH_X86_64"), strings(sc.get("architectures")));
        assertEquals(2, sc.get("syscalls").size(), "mkdir excluded: CHOWN is held");
        assertEquals(13, sc.at("/syscalls/0/errnoRet").asInt());
        assertEquals("SCMP_CMP_EQ", sc.at("/syscalls/1/args/0/op").asText());
        for (String bad : List.of("{nope", "[]", "{\"defaultAction\": \"SCMP_ACT_DANCE\"}",
                "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"x\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"LIKE\"}]}]}")) {
            SpecException e = assertThrows(SpecException.class,
                    () -> build(WorkloadSpec.newBuilder().setSecurity(SecurityOptions.newBuilder().setSeccomp(bad))));
            assertTrue(e.getMessage().startsWith("invalid seccomp profile"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
    }

    @Test
    void ulimitsAreCheckedAgainstTheAgentsOwn() throws Exception {
        JsonNode limits = build(WorkloadSpec.newBuilder()
                .addUlimits(Ulimit.newBuilder().setName("nofile").setSoft(100).setHard(200))
                .addUlimits(Ulimit.newBuilder().setName("core").setSoft(-1).setHard(-1))
                .addUlimits(Ulimit.newBuilder().setName("NPROC").setSoft(10).setHard(5000))).at("/process/rlimits");
        assertEquals(3, limits.size());
        assertEquals("RLIMIT_NOFILE", limits.at("/0/type").asText());
        assertEquals(100, limits.at("/0/soft").asLong());
        assertEquals(200, limits.at("/0/hard").asLong());
        assertEquals("18446744073709551615", limits.at("/1/hard").bigIntegerValue().toString(), "unlimited = RLIM_INFINITY");
        assertEquals("RLIMIT_NPROC", limits.at("/2/type").asText());
        Map<Ulimit.Builder, String> bad = Map.of(
                Ulimit.newBuilder().setName("nofile").setSoft(1).setHard(20001), "ulimit nofile: hard limit 20001 is above this node's limit of 20000",
                Ulimit.newBuilder().setName("nofile").setSoft(-1).setHard(-1), "ulimit nofile: hard limit unlimited is above this node's limit of 20000",
                Ulimit.newBuilder().setName("nproc").setSoft(20).setHard(10), "invalid ulimit nproc: soft limit 20 is above the hard limit 10",
                Ulimit.newBuilder().setName("bogus").setSoft(1).setHard(1), "invalid ulimit \"bogus\": unknown name");
        for (var e : bad.entrySet()) {
            SpecException ex = assertThrows(SpecException.class, () -> build(WorkloadSpec.newBuilder().addUlimits(e.getKey())));
            assertTrue(ex.getMessage().startsWith(e.getValue()), ex.getMessage());
        }
    }

    @Test
    void hostnameReadOnlyShmAndInit() throws Exception {
        JsonNode spec = build(WorkloadSpec.newBuilder().setHostname("web-1.local").setReadOnlyRootfs(true)
                .setShmSizeBytes(1 << 20).setInit(true));
        assertEquals("web-1.local", spec.get("hostname").asText());
        assertTrue(strings(spec.at("/process/env")).contains("HOSTNAME=web-1.local"));
        assertTrue(spec.at("/root/readonly").asBoolean());
        assertEquals(List.of("/dev/init", "--", "sh"), strings(spec.at("/process/args")));
        List<String> dests = new ArrayList<>();
        spec.get("mounts").forEach(m -> {
            dests.add(m.get("destination").asText());
            if (m.get("destination").asText().equals("/dev/shm")) {
                assertTrue(strings(m.get("options")).contains("size=1048576"));
            }
            if (m.get("destination").asText().equals("/dev/init")) {
                assertEquals(init.toString(), m.get("source").asText());
                assertTrue(strings(m.get("options")).contains("ro"));
            }
        });
        assertTrue(dests.indexOf("/dev/init") > dests.indexOf("/dev"), "after /dev's tmpfs");
        assertEquals("0123456789ab", build(WorkloadSpec.newBuilder()).get("hostname").asText());
        for (String bad : List.of("-x", "a b", "x".repeat(64), "a/b")) {
            assertThrows(SpecException.class, () -> build(WorkloadSpec.newBuilder().setHostname(bad)), bad);
        }
    }

    @Test
    void mountsAreValidatedAndResolvedInsideTheRootfs() throws Exception {
        Files.writeString(host.resolve("file"), "x");
        Files.createDirectories(rootfs.resolve("real/dir"));
        Files.createSymbolicLink(rootfs.resolve("abs"), Path.of("/real")); // absolute: resolved in the rootfs
        JsonNode spec = build(WorkloadSpec.newBuilder()
                .addMounts(Mount.newBuilder().setType(Mount.Type.TMPFS).setTarget("/abs/dir/t").setTmpfsSizeBytes(4096).setTmpfsMode(0700))
                .addMounts(Mount.newBuilder().setType(Mount.Type.BIND).setSource(host.resolve("file").toString()).setTarget("/etc/f").setReadOnly(true))
                .addMounts(Mount.newBuilder().setType(Mount.Type.VOLUME).setSource("v1").setTarget("/v")));
        List<JsonNode> user = new ArrayList<>();
        spec.get("mounts").forEach(m -> {
            if (!m.get("destination").asText().matches("/(proc|dev|sys).*")) {
                user.add(m);
            }
        });
        assertEquals(List.of("/v", "/etc/f", "/real/dir/t"), user.stream().map(m -> m.get("destination").asText()).toList());
        assertEquals(host.resolve("vol-v1").toString(), user.get(0).get("source").asText());
        assertTrue(strings(user.get(1).get("options")).containsAll(List.of("rbind", "ro")));
        assertTrue(strings(user.get(2).get("options")).containsAll(List.of("size=4096", "mode=700", "nosuid", "nodev")));
        assertTrue(Files.isRegularFile(rootfs.resolve("etc/f")), "file mount point made");
        assertTrue(Files.isDirectory(rootfs.resolve("real/dir/t")));

        Files.createSymbolicLink(rootfs.resolve("up"), Path.of("../../../.."));
        Files.createDirectories(host.resolve("agent-state/containers"));
        Files.createSymbolicLink(host.resolve("link"), host.resolve("file"));
        Map<Mount.Builder, String> bad = Map.of(
                Mount.newBuilder().setType(Mount.Type.TMPFS).setTarget("rel"), "invalid mount target \"rel\": it must be an absolute path",
                Mount.newBuilder().setType(Mount.Type.TMPFS).setTarget("/a/../../b"), "invalid mount target \"/a/../../b\": '..' is not allowed",
                Mount.newBuilder().setType(Mount.Type.TMPFS).setTarget("/up/etc"), "mount target /up/etc leads outside the container's root filesystem",
                Mount.newBuilder().setType(Mount.Type.TMPFS).setTarget("/"), "invalid mount target \"/\"",
                Mount.newBuilder().setType(Mount.Type.BIND).setSource(host.resolve("link").toString()).setTarget("/x"), "refusing bind source",
                Mount.newBuilder().setType(Mount.Type.BIND).setSource(host.resolve("nothing").toString()).setTarget("/x"), "bind source path does not exist",
                Mount.newBuilder().setType(Mount.Type.BIND).setSource("relative").setTarget("/x"), "invalid bind source \"relative\"",
                Mount.newBuilder().setType(Mount.Type.BIND).setSource(host.resolve("agent-state/containers").toString()).setTarget("/x"),
                "refusing bind source " + host.resolve("agent-state/containers") + ": it holds the node agent's own state",
                Mount.newBuilder().setType(Mount.Type.VOLUME).setSource("../evil").setTarget("/x"), "invalid volume name \"../evil\"");
        for (var e : bad.entrySet()) {
            SpecException ex = assertThrows(SpecException.class, () -> build(WorkloadSpec.newBuilder().addMounts(e.getKey())));
            assertTrue(ex.getMessage().startsWith(e.getValue()), ex.getMessage());
        }
        SpecException dup = assertThrows(SpecException.class, () -> build(WorkloadSpec.newBuilder()
                .addMounts(Mount.newBuilder().setType(Mount.Type.TMPFS).setTarget("/d"))
                .addMounts(Mount.newBuilder().setType(Mount.Type.TMPFS).setTarget("/d/"))));
        assertEquals("duplicate mount point: /d", dup.getMessage());
    }
}
