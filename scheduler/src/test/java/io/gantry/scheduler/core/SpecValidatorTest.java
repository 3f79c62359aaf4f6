package io.gantry.scheduler.core;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.gantry.proto.Mount;
import io.gantry.proto.SecurityOptions;
import io.gantry.proto.Ulimit;
import io.gantry.proto.WorkloadSpec;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

class SpecValidatorTest {
    private static WorkloadSpec.Builder spec() {
        return WorkloadSpec.newBuilder().setImage("busybox");
    }

    private static String refused(WorkloadSpec.Builder spec) {
        var e = assertThrows(StatusRuntimeException.class, () -> SpecValidator.validate(spec.build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        return e.getStatus().getDescription();
    }

    private static Mount.Builder mount(Mount.Type type, String source, String target) {
        return Mount.newBuilder().setType(type).setSource(source).setTarget(target);
    }

    @Test
    void goodContainerOptionsPass() {
        assertDoesNotThrow(() -> SpecValidator.validate(spec().setHostname("web-1.example").setShmSizeBytes(1 << 26)
                .addUlimits(Ulimit.newBuilder().setName("nofile").setSoft(1024).setHard(2048))
                .addMounts(mount(Mount.Type.BIND, "/srv/data", "/data").setReadOnly(true))
                .addMounts(mount(Mount.Type.VOLUME, "cache", "/cache"))
                .addMounts(mount(Mount.Type.TMPFS, "", "/run").setTmpfsSizeBytes(1 << 20).setTmpfsMode(0755))
                .setSecurity(SecurityOptions.newBuilder().addCapAdd("NET_ADMIN").setSeccomp("unconfined")).build()));
    }

    @Test
    void badContainerOptionsAreOneLineRefusals() {
        assertEquals("invalid hostname \"bad_host\": use letters, digits and '-' in dot-separated labels of up to 63",
                refused(spec().setHostname("bad_host")));
        assertEquals("invalid mount target \"data\": must be an absolute path inside the container, not / and without ..",
                refused(spec().addMounts(mount(Mount.Type.VOLUME, "v", "data"))));
        refused(spec().addMounts(mount(Mount.Type.BIND, "/srv", "/a/../..")));
        refused(spec().addMounts(mount(Mount.Type.BIND, "/srv", "/")));
        assertEquals("invalid bind mount source \"srv\": must be an absolute host path",
                refused(spec().addMounts(mount(Mount.Type.BIND, "srv", "/data"))));
        refused(spec().addMounts(mount(Mount.Type.VOLUME, "../etc", "/data")));
        refused(spec().addMounts(mount(Mount.Type.TMPFS, "/host", "/t")));
        refused(spec().addMounts(mount(Mount.Type.BIND, "/a", "/x")).addMounts(mount(Mount.Type.BIND, "/b", "/x/")));
        refused(spec().addMounts(mount(Mount.Type.BIND, "/a", "/x").setTmpfsSizeBytes(5)));
        assertEquals("invalid ulimit nofile=10:5: the soft limit must not exceed the hard one",
                refused(spec().addUlimits(Ulimit.newBuilder().setName("nofile").setSoft(10).setHard(5))));
        refused(spec().addUlimits(Ulimit.newBuilder().setName("nproc").setSoft(1).setHard(2))
                .addUlimits(Ulimit.newBuilder().setName("nproc").setSoft(1).setHard(2)));
        refused(spec().setShmSizeBytes(-1));
        refused(spec().setSecurity(SecurityOptions.newBuilder().setSeccomp("x".repeat((1 << 20) + 1))));
    }
}
