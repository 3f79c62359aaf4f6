package io.gantry.ctl.dev;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The Debian packages a node needs (runc, conmon, ...). Missing ones are installed with
 * apt when running as root; otherwise the error names them.
 */
public final class SystemPackages {
    public static final List<String> NODE = List.of("runc", "conmon", "docker-registry", "busybox-static");

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

    static List<String> missing(List<String> packages) throws IOException, InterruptedException {
        List<String> missing = new ArrayList<>();
        for (String p : packages) {
            Process q = new ProcessBuilder("dpkg-query", "-W", "-f=${Status}", p).redirectErrorStream(true).start();
            String status = new String(q.getInputStream().readAllBytes());
            if (q.waitFor() != 0 || !status.contains("install ok installed")) {
                missing.add(p);
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
