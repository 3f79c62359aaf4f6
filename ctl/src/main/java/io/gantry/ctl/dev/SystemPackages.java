package io.gantry.ctl.dev;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The Debian packages a node needs (runc, conmon, ...). Missing ones are installed with
 * apt when running as root; otherwise the error names them.
 */
public final class SystemPackages {
    /** runc and conmon run containers; iproute2 (ip, bridge), iptables and procps (sysctl) wire their networks. */
    public static final List<String> NODE = List.of("runc", "conmon", "docker-registry", "busybox-static",
            "iproute2", "iptables", "procps");

    private SystemPackages() {
    }

    public static void ensure(List<String> packages) throws IOException, InterruptedException {
        List<String> missing = missing(packages);
        if (missing.isEmpty()) {
            return;
        }
        String list = String.join(" ", missing);
        if (!isRoot()) {
            throw new IllegalStateException("missing system packages: " + list + " (as root: apt-get install -y " + list + ")");
        }
        System.err.println("gantry: installing " + list + " with apt-get ...");
        if (apt(missing) != 0) {
            run(List.of("apt-get", "update", "-qq"));
            if (apt(missing) != 0) {
                throw new IllegalStateException("could not install " + list + " with apt-get; install them and retry");
            }
        }
    }

    /** One dpkg-query for all of them: this runs on every `gantry dev` start. */
    static List<String> missing(List<String> packages) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("dpkg-query", "-W", "-f=${Package} ${Status}\\n"));
        cmd.addAll(packages);
        Process q = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(q.getInputStream().readAllBytes());
        q.waitFor(); // non-zero when any package is unknown; the listing still covers the known ones
        List<String> missing = new ArrayList<>(packages);
        for (String line : out.split("\n")) {
            if (line.endsWith("install ok installed")) {
                missing.remove(line.substring(0, line.indexOf(' ')));
            }
        }
        return missing;
    }

    private static int apt(List<String> packages) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("apt-get", "install", "-y", "-qq", "--no-install-recommends"));
        cmd.addAll(packages);
        return run(cmd);
    }

    private static int run(List<String> cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
        return pb.start().waitFor();
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}
