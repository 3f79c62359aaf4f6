package io.gantry.ctl.cmd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gantry.ctl.Main;
import io.gantry.ctl.cli.CliException;
import io.gantry.proto.Mount;
import io.gantry.proto.Ulimit;
import io.gantry.proto.WorkloadSpec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** run's Docker container flags (--hostname ... --mount) into WorkloadSpec fields 15-21; bad values are one-line 125s. */
class ContainerOptionFlagsTest {
    @TempDir
    Path tmp;
    final StringWriter err = new StringWriter();

    private WorkloadSpec spec(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setStopAtPositional(true);
        cl.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 1];
        all[0] = "run";
        System.arraycopy(args, 0, all, 1, args.length);
        return ((RunCommand) cl.parseArgs(all).subcommand().commandSpec().userObject()).buildSpec();
    }

    private void fails(String message, String... args) {
        assertThatThrownBy(() -> spec(args)).isInstanceOf(CliException.class).hasMessageStartingWith(message)
                .satisfies(e -> assertThat(((CliException) e).exitCode()).isEqualTo(125))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void everyFlagLandsInTheSpec() {
        WorkloadSpec s = spec("--hostname", "web1", "--read-only", "--cap-add", "sys_admin", "--cap-drop", "NET_RAW",
                "--security-opt", "no-new-privileges=false", "--security-opt", "seccomp=unconfined",
                "--ulimit", "nofile=1024:2048", "--ulimit", "core=-1", "--shm-size", "128m", "--init",
                "-v", "/srv/data:/data:ro", "--volume", "cache:/cache", "--tmpfs", "/run:size=1m,mode=700",
                "--mount", "type=bind,src=/etc/hosts,dst=/h,readonly", "--mount", "type=tmpfs,destination=/t,tmpfs-size=2m",
                "--mount", "source=vol,target=/v,ro=false", "busybox");
        assertThat(s.getHostname()).isEqualTo("web1");
        assertThat(s.getReadOnlyRootfs()).isTrue();
        assertThat(s.getSecurity().getCapAddList()).containsExactly("SYS_ADMIN");
        assertThat(s.getSecurity().getCapDropList()).containsExactly("NET_RAW");
        assertThat(s.getSecurity().getAllowNewPrivileges()).isTrue();
        assertThat(s.getSecurity().getSeccomp()).isEqualTo("unconfined");
        assertThat(s.getSecurity().getPrivileged()).isFalse();
        assertThat(s.getUlimitsList()).containsExactly(Ulimit.newBuilder().setName("nofile").setSoft(1024).setHard(2048).build(),
                Ulimit.newBuilder().setName("core").setSoft(-1).setHard(-1).build());
        assertThat(s.getShmSizeBytes()).isEqualTo(128L << 20);
        assertThat(s.getInit()).isTrue();
        assertThat(s.getMountsList()).containsExactly(
                Mount.newBuilder().setType(Mount.Type.BIND).setSource("/srv/data").setTarget("/data").setReadOnly(true).build(),
                Mount.newBuilder().setType(Mount.Type.VOLUME).setSource("cache").setTarget("/cache").build(),
                Mount.newBuilder().setType(Mount.Type.TMPFS).setTarget("/run").setTmpfsSizeBytes(1 << 20).setTmpfsMode(0700).build(),
                Mount.newBuilder().setType(Mount.Type.BIND).setSource("/etc/hosts").setTarget("/h").setReadOnly(true).build(),
                Mount.newBuilder().setType(Mount.Type.TMPFS).setTarget("/t").setTmpfsSizeBytes(2 << 20).build(),
                Mount.newBuilder().setType(Mount.Type.VOLUME).setSource("vol").setTarget("/v").build());
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void serviceCreateTakesTheSameFlags() {
        CommandLine cl = new CommandLine(new Main());
        cl.setStopAtPositional(true);
        CommandLine.ParseResult r = cl.parseArgs("service", "create", "--read-only", "--cap-drop", "ALL", "--tmpfs", "/tmp", "busybox");
        ServiceCreateCommand create = (ServiceCreateCommand) r.subcommand().subcommand().commandSpec().userObject();
        WorkloadSpec t = create.buildSpec(java.util.Map.of()).getTemplate();
        assertThat(t.getReadOnlyRootfs()).isTrue();
        assertThat(t.getSecurity().getCapDropList()).containsExactly("ALL");
        assertThat(t.getMounts(0).getType()).isEqualTo(Mount.Type.TMPFS);
    }

    @Test
    void defaultsLeaveTheFieldsEmpty() {
        WorkloadSpec s = spec("busybox");
        assertThat(s.getHostname()).isEmpty();
        assertThat(s.getSecurity().getAllowNewPrivileges()).isFalse();
        assertThat(s.getSecurity().getSeccomp()).isEmpty();
        assertThat(s.getMountsList()).isEmpty();
        assertThat(s.getShmSizeBytes()).isZero();
        assertThat(spec("--security-opt", "no-new-privileges", "busybox").getSecurity().getAllowNewPrivileges()).isFalse();
    }

    @Test
    void privilegedWarnsOnStderr() {
        assertThat(spec("--privileged", "busybox").getSecurity().getPrivileged()).isTrue();
        assertThat(err.toString()).startsWith("WARNING: --privileged");
    }

    @Test
    void seccompProfileFileIsReadAndChecked() throws Exception {
        Path good = Files.writeString(tmp.resolve("p.json"), "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": []}");
        assertThat(spec("--security-opt", "seccomp=" + good, "busybox").getSecurity().getSeccomp()).contains("SCMP_ACT_ALLOW");
        fails("opening seccomp profile (" + tmp.resolve("none.json") + ") failed: no such file",
                "--security-opt", "seccomp=" + tmp.resolve("none.json"), "busybox");
        Path bad = Files.writeString(tmp.resolve("bad.json"), "{not json");
        fails("invalid seccomp profile: not JSON", "--security-opt", "seccomp=" + bad, "busybox");
    }

    @Test
    void badValuesAreOneLine125s() {
        fails("unknown capability: \"FLY\"", "--cap-add", "FLY", "busybox");
        fails("invalid --security-opt \"apparmor=x\"", "--security-opt", "apparmor=x", "busybox");
        fails("invalid --security-opt \"no-new-privileges=maybe\"", "--security-opt", "no-new-privileges=maybe", "busybox");
        fails("invalid argument \"nofile\" for \"--ulimit\"", "--ulimit", "nofile", "busybox");
        fails("invalid argument \"bogus=1\" for \"--ulimit\": unknown name", "--ulimit", "bogus=1", "busybox");
        fails("invalid argument \"nofile=10:5\" for \"--ulimit\": soft limit", "--ulimit", "nofile=10:5", "busybox");
        fails("invalid argument \"lots\" for \"--shm-size\"", "--shm-size", "lots", "busybox");
        fails("invalid argument \"/data\" for \"--volume\": anonymous volumes", "-v", "/data", "busybox");
        fails("invalid argument \"/a:rel\" for \"--volume\": invalid mount target \"rel\"", "-v", "/a:rel", "busybox");
        fails("invalid argument \"/a:/b:zz\" for \"--volume\": unknown option", "-v", "/a:/b:zz", "busybox");
        fails("invalid argument \"bad name:/b\" for \"--volume\": invalid volume name", "-v", "bad name:/b", "busybox");
        fails("invalid argument \"/t:size=x\" for \"--tmpfs\": invalid size", "--tmpfs", "/t:size=x", "busybox");
        fails("invalid argument \"/t:mode=99\" for \"--tmpfs\": mode must be octal", "--tmpfs", "/t:mode=99", "busybox");
        fails("invalid argument \"type=bind,dst=/x\" for \"--mount\": a bind mount needs", "--mount", "type=bind,dst=/x", "busybox");
        fails("invalid argument \"type=nfs,src=a,dst=/x\" for \"--mount\": type must be", "--mount", "type=nfs,src=a,dst=/x", "busybox");
        fails("invalid argument \"type=tmpfs\" for \"--mount\": target is required", "--mount", "type=tmpfs", "busybox");
        fails("invalid argument \"type=tmpfs,dst=/x,color=red\" for \"--mount\": unknown field", "--mount", "type=tmpfs,dst=/x,color=red", "busybox");
        fails("invalid argument \"type=tmpfs,src=a,dst=/x\" for \"--mount\": a tmpfs mount takes no source", "--mount", "type=tmpfs,src=a,dst=/x", "busybox");
        fails("invalid argument \"dst=/a/../b,src=v\" for \"--mount\": invalid mount target", "--mount", "dst=/a/../b,src=v", "busybox");
        fails("invalid argument \"type=bind,src=/a,dst=/x,readonly=perhaps\" for \"--mount\": readonly takes", "--mount", "type=bind,src=/a,dst=/x,readonly=perhaps", "busybox");
    }
}
