package io.gantry.agent.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.gantry.image.ImageConfig;
import io.gantry.proto.Resources;
import io.gantry.proto.WorkloadSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OciSpecBuilderTest {
    static final String ID = "0123456789abcdef";
    @TempDir
    Path rootfs;
    final OciSpecBuilder builder = new OciSpecBuilder("gantry", 4096, 20000);
    final ImageConfig image = new ImageConfig(List.of("PATH=/img/bin", "A=1", "B=2"), List.of("/entry"), List.of("arg1", "arg2"),
            "/srv", "", Map.of(), "SIGQUIT");

    @BeforeEach
    void passwd() throws Exception {
        Files.createDirectories(rootfs.resolve("etc"));
        Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n");
        Files.writeString(rootfs.resolve("etc/group"), "root:x:0:\napp:x:1001:\nstaff:x:50:app,other\nwheel:x:10:\n");
    }

    private JsonNode build(WorkloadSpec spec) throws SpecException {
        return builder.build(ID, spec, image, rootfs);
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** CapEff 00000000a80425fb decoded bit by bit. */
    @Test
    void capabilitiesAreDockersFourteen() throws Exception {
        JsonNode caps = build(WorkloadSpec.getDefaultInstance()).at("/process/capabilities");
        Map<String, Integer> bits = Map.ofEntries(Map.entry("CAP_CHOWN", 0), Map.entry("CAP_DAC_OVERRIDE", 1),
                Map.entry("CAP_FOWNER", 3), Map.entry("CAP_FSETID", 4), Map.entry("CAP_KILL", 5), Map.entry("CAP_SETGID", 6),
                Map.entry("CAP_SETUID", 7), Map.entry("CAP_SETPCAP", 8), Map.entry("CAP_NET_BIND_SERVICE", 10),
                Map.entry("CAP_NET_RAW", 13), Map.entry("CAP_SYS_CHROOT", 18), Map.entry("CAP_MKNOD", 27),
                Map.entry("CAP_AUDIT_WRITE", 29), Map.entry("CAP_SETFCAP", 31));
        for (String set : List.of("bounding", "effective", "permitted")) {
            long mask = 0;
            for (String c : strings(caps.get(set))) {
                mask |= 1L << bits.get(c);
            }
            assertEquals(0xa80425fbL, mask, set);
            assertEquals(14, caps.get(set).size());
        }
        assertFalse(caps.has("inheritable"));
        assertFalse(caps.has("ambient"));
        assertTrue(build(WorkloadSpec.getDefaultInstance()).at("/process/noNewPrivileges").asBoolean());
    }

    @Test
    void maskedAndReadonlyPaths() throws Exception {
        JsonNode linux = build(WorkloadSpec.getDefaultInstance()).get("linux");
        assertEquals(List.of("/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys",
                "/proc/latency_stats", "/proc/sched_debug", "/proc/scsi", "/proc/timer_list",
                "/proc/timer_stats", "/sys/devices/virtual/powercap", "/sys/firmware"), strings(linux.get("maskedPaths")));
        assertEquals(List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"), strings(linux.get("readonlyPaths")));
        List<String> ns = new ArrayList<>();
        linux.get("namespaces").forEach(n -> ns.add(n.get("type").asText()));
        assertEquals(List.of("pid", "network", "ipc", "uts", "mount"), ns);
        assertEquals("/gantry/" + ID, linux.get("cgroupsPath").asText());
    }

    @Test
    void mountsAndDevices() throws Exception {
        JsonNode spec = build(WorkloadSpec.getDefaultInstance());
        Map<String, List<String>> mounts = new java.util.LinkedHashMap<>();
        spec.get("mounts").forEach(m -> mounts.put(m.get("destination").asText(), strings(m.get("options"))));
        assertEquals(List.of("/proc", "/dev", "/dev/pts", "/sys", "/sys/fs/cgroup", "/dev/mqueue", "/dev/shm"), List.copyOf(mounts.keySet()));
        assertTrue(mounts.get("/dev/pts").containsAll(List.of("newinstance", "ptmxmode=0666", "mode=0620", "gid=5")));
        assertTrue(mounts.get("/sys").containsAll(List.of("nosuid", "noexec", "nodev", "ro")));
        assertTrue(mounts.get("/sys/fs/cgroup").contains("ro"));
        assertTrue(mounts.get("/dev/shm").contains("size=67108864"));
        JsonNode devices = spec.at("/linux/resources/devices");
        assertFalse(devices.get(0).get("allow").asBoolean());
        assertEquals("rwm", devices.get(0).get("access").asText());
        assertFalse(devices.get(0).has("major"));
        List<String> allowed = new ArrayList<>();
        devices.forEach(d -> {
            if (d.get("allow").asBoolean()) {
                allowed.add(d.get("major").asText() + ":" + (d.has("minor") ? d.get("minor").asText() : "*"));
            }
        });
        assertEquals(List.of("1:3", "1:5", "1:7", "1:8", "1:9", "5:0", "5:1", "5:2", "136:*"), allowed);
    }

    @Test
    void resourcesAndRlimits() throws Exception {
        JsonNode spec = build(WorkloadSpec.newBuilder().setResources(Resources.newBuilder()
                .setMemoryBytes(64L << 20).setCpuMillis(500)).build());
        JsonNode r = spec.at("/linux/resources");
        assertEquals(64L << 20, r.at("/memory/limit").asLong());
        assertEquals(64L << 20, r.at("/memory/swap").asLong());
        assertEquals(50000, r.at("/cpu/quota").asLong());
        assertEquals(100000, r.at("/cpu/period").asLong());
        assertEquals(4096, r.at("/pids/limit").asLong());
        JsonNode nofile = spec.at("/process/rlimits/0");
        assertEquals("RLIMIT_NOFILE", nofile.get("type").asText());
        assertEquals(20000, nofile.get("hard").asLong());
        assertEquals(20000, nofile.get("soft").asLong());
        JsonNode none = build(WorkloadSpec.newBuilder().setResources(Resources.newBuilder().setPidsLimit(20)).build()).at("/linux/resources");
        assertFalse(none.has("memory"));
        assertFalse(none.has("cpu"));
        assertEquals(20, none.at("/pids/limit").asLong());
    }

    @Test
    void argsFollowDockerOverrideRules() throws Exception {
        assertEquals(List.of("/entry", "arg1", "arg2"), OciSpecBuilder.args(WorkloadSpec.getDefaultInstance(), image));
        assertEquals(List.of("/entry", "x"), OciSpecBuilder.args(WorkloadSpec.newBuilder().addCommand("x").build(), image));
        assertEquals(List.of("/other"), OciSpecBuilder.args(WorkloadSpec.newBuilder().addEntrypoint("/other").build(), image));
        assertEquals(List.of("/other", "y"), OciSpecBuilder.args(WorkloadSpec.newBuilder().addEntrypoint("/other").addCommand("y").build(), image));
        ImageConfig bare = new ImageConfig(List.of(), List.of(), List.of(), "", "", Map.of(), "");
        SpecException e = assertThrows(SpecException.class, () -> OciSpecBuilder.args(WorkloadSpec.getDefaultInstance(), bare));
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void envOverlaysImageEnvAndAddsHostnameAndPath() throws Exception {
        List<String> env = OciSpecBuilder.env(WorkloadSpec.newBuilder().addEnv("B=3").addEnv("C=4").build(), image, "host");
        assertEquals(List.of("PATH=/img/bin", "A=1", "B=3", "C=4", "HOSTNAME=host"), env);
        ImageConfig noPath = new ImageConfig(List.of(), List.of(), List.of("sh"), "", "", Map.of(), "");
        assertEquals(List.of("PATH=" + OciSpecBuilder.DEFAULT_PATH, "HOSTNAME=h"),
                OciSpecBuilder.env(WorkloadSpec.getDefaultInstance(), noPath, "h"));
        JsonNode spec = build(WorkloadSpec.getDefaultInstance());
        assertEquals("0123456789ab", spec.get("hostname").asText());
        assertTrue(strings(spec.at("/process/env")).contains("HOSTNAME=0123456789ab"));
    }

    @Test
    void cwd() throws Exception {
        assertEquals("/srv", build(WorkloadSpec.getDefaultInstance()).at("/process/cwd").asText());
        assertEquals("/w", build(WorkloadSpec.newBuilder().setWorkingDir("/w").build()).at("/process/cwd").asText());
        ImageConfig none = new ImageConfig(List.of(), List.of(), List.of("sh"), "", "", Map.of(), "");
        assertEquals("/", builder.build(ID, WorkloadSpec.getDefaultInstance(), none, rootfs).at("/process/cwd").asText());
        assertThrows(SpecException.class, () -> build(WorkloadSpec.newBuilder().setWorkingDir("rel").build()));
    }

    @Test
    void userResolution() throws Exception {
        UserResolver r = new UserResolver(rootfs);
        assertEquals(new ProcessUser(0, 0, List.of()), r.resolve(""));
        assertEquals(new ProcessUser(1000, 1001, List.of(50L)), r.resolve("app"));
        assertEquals(new ProcessUser(1000, 10, List.of()), r.resolve("app:wheel"));
        assertEquals(new ProcessUser(1000, 1001, List.of(50L)), r.resolve("1000"));
        assertEquals(new ProcessUser(4242, 0, List.of()), r.resolve("4242"));
        assertEquals(new ProcessUser(4242, 7, List.of()), r.resolve("4242:7"));
        SpecException e = assertThrows(SpecException.class, () -> r.resolve("ghost"));
        assertEquals("unable to find user ghost: no matching entries in passwd file", e.getMessage());
        SpecException g = assertThrows(SpecException.class, () -> r.resolve("app:ghosts"));
        assertEquals("unable to find group ghosts: no matching entries in group file", g.getMessage());

        JsonNode user = build(WorkloadSpec.newBuilder().setUser("app").build()).at("/process/user");
        assertEquals(1000, user.get("uid").asLong());
        assertEquals(1001, user.get("gid").asLong());
        assertEquals(50, user.get("additionalGids").get(0).asLong());
    }

    @Test
    void userFromImageWhenSpecHasNone() throws Exception {
        ImageConfig withUser = new ImageConfig(List.of(), List.of(), List.of("sh"), "", "app", Map.of(), "");
        assertEquals(1000, builder.build(ID, WorkloadSpec.getDefaultInstance(), withUser, rootfs).at("/process/user/uid").asLong());
        assertEquals(0, builder.build(ID, WorkloadSpec.newBuilder().setUser("0").build(), withUser, rootfs).at("/process/user/uid").asLong());
    }

    @Test
    void passwdSymlinkOutOfTheRootfsIsNotFollowed() throws Exception {
        Files.delete(rootfs.resolve("etc/passwd"));
        Files.createSymbolicLink(rootfs.resolve("etc/passwd"), Path.of("/etc/passwd"));
        assertThrows(SpecException.class, () -> new UserResolver(rootfs).resolve("root"));
    }

    @Test
    void etcSymlinkOutOfTheRootfsIsNotFollowed(@TempDir Path host) throws Exception {
        // An image whose /etc points elsewhere (on the host, an absolute symlink resolves against the host root).
        Files.writeString(host.resolve("passwd"), "hostonly:x:4321:4321::/:/bin/sh\n");
        Files.writeString(host.resolve("group"), "hostgroup:x:4322:hostonly\n");
        Files.delete(rootfs.resolve("etc/passwd"));
        Files.delete(rootfs.resolve("etc/group"));
        Files.delete(rootfs.resolve("etc"));
        Files.createSymbolicLink(rootfs.resolve("etc"), host);
        UserResolver r = new UserResolver(rootfs);
        SpecException e = assertThrows(SpecException.class, () -> r.resolve("hostonly"));
        assertEquals("unable to find user hostonly: no matching entries in passwd file", e.getMessage());
        assertThrows(SpecException.class, () -> r.resolve("0:hostgroup"));
        assertEquals(new ProcessUser(4321, 0, List.of()), r.resolve("4321"), "no passwd file: no gid or groups from the host");
    }

    @Test
    void numericIdsOutOfRangeAreOneLineSpecErrors() throws Exception {
        UserResolver r = new UserResolver(rootfs);
        SpecException huge = assertThrows(SpecException.class, () -> r.resolve("99999999999999999999"));
        assertEquals("invalid user \"99999999999999999999\": uid out of range", huge.getMessage());
        SpecException minusOne = assertThrows(SpecException.class, () -> r.resolve("4294967295"));
        assertEquals("invalid user \"4294967295\": uid out of range", minusOne.getMessage());
        assertEquals(new ProcessUser(4294967294L, 0, List.of()), r.resolve("4294967294"));
        SpecException gid = assertThrows(SpecException.class, () -> r.resolve("app:18446744073709551616"));
        assertEquals("invalid user \"app:18446744073709551616\": gid out of range", gid.getMessage());
        SpecException newline = assertThrows(SpecException.class, () -> r.resolve("1\n99999999999999999999"));
        assertFalse(newline.getMessage().contains("\n"), newline.getMessage());
    }

    @Test
    void nonAsciiDigitsAreNamesNotIds() {
        // U+0663 ARABIC-INDIC DIGIT THREE: Character.isDigit and Long.parseLong would take it for 3.
        SpecException e = assertThrows(SpecException.class, () -> new UserResolver(rootfs).resolve("\u0663"));
        assertEquals("unable to find user \u0663: no matching entries in passwd file", e.getMessage());
    }

    @Test
    void outOfRangeIdInTheImagesPasswdIsRefusedNotRoot() throws Exception {
        Files.writeString(rootfs.resolve("etc/passwd"), "big:x:99999999999:0::/:/bin/sh\nodd:x:1:77777777777::/:/bin/sh\n");
        UserResolver r = new UserResolver(rootfs);
        assertEquals("invalid user \"big\": uid out of range", assertThrows(SpecException.class, () -> r.resolve("big")).getMessage());
        assertEquals("invalid user \"odd\": gid out of range", assertThrows(SpecException.class, () -> r.resolve("odd")).getMessage());
    }
}
