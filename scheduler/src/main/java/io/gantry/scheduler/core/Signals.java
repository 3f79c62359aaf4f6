package io.gantry.scheduler.core;

import java.util.List;
import java.util.Locale;

/**
 * Signal names as {@code docker kill -s} takes them (KILL, SIGKILL, sigterm, 9), reduced to the canonical
 * "SIGNAME" form runc accepts on every architecture. Numbers are the Linux x86/arm generic ones.
 */
public final class Signals {
    /** Index = signal number (1..31); index 0 unused. */
    private static final List<String> NAMES = List.of("", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE",
            "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN",
            "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS");

    private Signals() {
    }

    /**
     * The canonical name ("SIGKILL") of {@code text}; blank means SIGKILL, like Docker.
     *
     * @throws IllegalArgumentException with a one-line message for an unknown name or number
     */
    public static String canonical(String text) {
        if (text == null || text.isBlank()) {
            return "SIGKILL";
        }
        String t = text.strip().toUpperCase(Locale.ROOT);
        if (t.chars().allMatch(Character::isDigit) && t.length() <= 2) {
            int n = Integer.parseInt(t);
            if (n >= 1 && n < NAMES.size()) {
                return "SIG" + NAMES.get(n);
            }
        } else {
            String bare = t.startsWith("SIG") ? t.substring(3) : t;
            if (bare.equals("IOT")) {
                bare = "ABRT";
            } else if (bare.equals("POLL")) {
                bare = "IO";
            } else if (bare.equals("CLD")) {
                bare = "CHLD";
            }
            if (!bare.isEmpty() && NAMES.contains(bare)) {
                return "SIG" + bare;
            }
        }
        throw new IllegalArgumentException("invalid signal: " + text);
    }
}
