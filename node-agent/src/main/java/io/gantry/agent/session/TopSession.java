package io.gantry.agent.session;

import io.gantry.agent.runtime.ContainerRuntime;
import io.gantry.agent.runtime.ContainerView;
import io.gantry.proto.SessionFrame;
import io.gantry.proto.TopResult;
import io.gantry.proto.TopRow;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code top}: the container's processes ({@code runc ps}) with Docker's default {@code ps -ef} columns,
 * read from /proc on the host.
 */
final class TopSession implements SessionHandler {
    static final List<String> TITLES = List.of("UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD");
    private static final long CLK_TCK = 100; // USER_HZ on Linux
    private static final DateTimeFormatter HH_MM = DateTimeFormatter.ofPattern("HH:mm");

    private final ContainerRuntime runtime;
    private final ContainerView container;

    TopSession(ContainerRuntime runtime, ContainerView container) {
        this.runtime = runtime;
        this.container = container;
    }

    @Override
    public int run(SessionContext session) throws Exception {
        if (!container.live()) {
            throw SessionException.precondition("container " + container.name() + " is not running");
        }
        List<Long> pids = runtime.oci().pids(container.id());
        Map<Long, String> users = userNames(container.paths().rootfs());
        long bootSeconds = bootTimeSeconds();
        double uptime = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
        TopResult.Builder result = TopResult.newBuilder().addAllTitles(TITLES);
        for (long pid : pids) {
            try {
                result.addProcesses(row(pid, users, bootSeconds, uptime));
            } catch (IOException | RuntimeException gone) {
                // exited while we looked
            }
        }
        session.send(SessionFrame.newBuilder().setTop(result));
        return 0;
    }

    private static TopRow row(long pid, Map<Long, String> users, long bootSeconds, double uptime) throws IOException {
        Path proc = Path.of("/proc", Long.toString(pid));
        String stat = Files.readString(proc.resolve("stat"));
        String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // f[0] is field 3 (state): field n is f[n - 3]
        long ppid = Long.parseLong(f[1]);
        int ttyNr = Integer.parseInt(f[4]);
        long cpuTicks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        long startTicks = Long.parseLong(f[19]);
        long uid = -1;
        for (String line : Files.readAllLines(proc.resolve("status"))) {
            if (line.startsWith("Uid:")) {
                uid = Long.parseLong(line.substring(4).trim().split("\\s+")[0]);
            }
        }
        byte[] raw = Files.readAllBytes(proc.resolve("cmdline"));
        String cmd = new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').strip();
        if (cmd.isEmpty()) {
            cmd = "[" + comm + "]";
        }
        double runSeconds = uptime - startTicks / (double) CLK_TCK;
        long c = runSeconds > 0 ? Math.round(cpuTicks / (double) CLK_TCK * 100 / runSeconds) : 0;
        String stime = HH_MM.format(Instant.ofEpochSecond(bootSeconds + startTicks / CLK_TCK).atZone(ZoneId.systemDefault()));
        long cpuSeconds = cpuTicks / CLK_TCK;
        String time = String.format("%02d:%02d:%02d", cpuSeconds / 3600, cpuSeconds / 60 % 60, cpuSeconds % 60);
        return TopRow.newBuilder().addAllColumns(List.of(users.getOrDefault(uid, Long.toString(uid)), Long.toString(pid),
                Long.toString(ppid), Long.toString(c), stime, tty(ttyNr), time, cmd)).build();
    }

    /** tty_nr: major in bits 8-15, minor in 0-7 and 20-31; 136-143 are /dev/pts. */
    static String tty(int ttyNr) {
        if (ttyNr == 0) {
            return "?";
        }
        int major = (ttyNr >> 8) & 0xfff;
        int minor = (ttyNr & 0xff) | ((ttyNr >> 12) & 0xfff00);
        if (major >= 136 && major <= 143) {
            return "pts/" + ((major - 136) * 256 + minor);
        }
        if (major == 4) {
            return minor < 64 ? "tty" + minor : "ttyS" + (minor - 64);
        }
        return "?";
    }

    private static long bootTimeSeconds() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
            if (line.startsWith("btime ")) {
                return Long.parseLong(line.substring(6).trim());
            }
        }
        return 0;
    }

    /** Names from the container's own /etc/passwd (not followed if it is a link), as the image knows its users. */
    private static Map<Long, String> userNames(Path rootfs) {
        Map<Long, String> out = new HashMap<>();
        Path etc = rootfs.resolve("etc");
        Path passwd = etc.resolve("passwd");
        if (!Files.isDirectory(etc, LinkOption.NOFOLLOW_LINKS) || !Files.isRegularFile(passwd, LinkOption.NOFOLLOW_LINKS)) {
            return out;
        }
        try {
            for (String line : Files.readAllLines(passwd)) {
                String[] f = line.split(":");
                if (f.length > 2 && f[2].matches("[0-9]{1,10}")) {
                    out.putIfAbsent(Long.parseLong(f[2]), f[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // numbers then
        }
        return out;
    }
}
