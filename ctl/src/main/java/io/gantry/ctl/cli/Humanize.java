package io.gantry.ctl.cli;

import java.time.Duration;

/** Docker's human forms: "About a minute ago", "Up 5 seconds", "64MiB". */
public final class Humanize {
    private Humanize() {
    }

    public static String duration(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 1) {
            return "Less than a second";
        }
        if (s < 60) {
            return s + (s == 1 ? " second" : " seconds");
        }
        long m = s / 60;
        if (m == 1) {
            return "About a minute";
        }
        if (m < 60) {
            return m + " minutes";
        }
        long h = m / 60;
        if (h == 1) {
            return "About an hour";
        }
        if (h < 48) {
            return h + " hours";
        }
        return h / 24 + " days";
    }

    public static String bytes(long b) {
        if (b <= 0) {
            return "0B";
        }
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = b;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return (v == Math.floor(v) ? String.valueOf((long) v) : String.format("%.1f", v)) + units[u];
    }

    public static String cpus(long millis) {
        if (millis % 1000 == 0) {
            return String.valueOf(millis / 1000);
        }
        return String.format("%.2f", millis / 1000.0).replaceAll("0+$", "");
    }
}
