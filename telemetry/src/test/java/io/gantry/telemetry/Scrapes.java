package io.gantry.telemetry;

import java.util.Set;
import java.util.TreeSet;

/** Small helpers for asserting on Prometheus text output in tests. */
final class Scrapes {
    private Scrapes() {}

    /** The names of all samples (not # lines) in a scrape. */
    static Set<String> sampleNames(String scrape) {
        var names = new TreeSet<String>();
        for (String line : scrape.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int end = 0;
            while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
                end++;
            }
            names.add(line.substring(0, end));
        }
        return names;
    }

    /** The value of the one sample line starting with {@code seriesPrefix} (name plus the start of its labels). */
    static double value(String scrape, String seriesPrefix) {
        Double found = null;
        for (String line : scrape.split("\n")) {
            if (line.startsWith(seriesPrefix)) {
                if (found != null) {
                    throw new AssertionError("more than one series starts with " + seriesPrefix + ":\n" + scrape);
                }
                found = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        if (found == null) {
            throw new AssertionError("no series starts with " + seriesPrefix + " in:\n" + scrape);
        }
        return found;
    }
}
