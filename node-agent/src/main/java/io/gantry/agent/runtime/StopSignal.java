package io.gantry.agent.runtime;

import java.util.Locale;
import java.util.Set;

/** The signal {@code stop} sends first: {@code --stop-signal}, else the image's StopSignal, else SIGTERM. */
public final class StopSignal {
    public static final String DEFAULT = "SIGTERM";
    private static final Set<String> NAMES = Set.of("HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "IOT", "BUS", "FPE", "KILL",
            "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG",
            "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "POLL", "PWR", "SYS");

    private StopSignal() {
    }

    /** In a form runc understands ("SIGUSR1" or a number). */
    public static String effective(String fromSpec, String fromImage) {
        if (fromSpec != null && !fromSpec.isBlank()) {
            return canonical(fromSpec);
        }
        if (fromImage != null && !fromImage.isBlank()) {
            try {
                return canonical(fromImage);
            } catch (IllegalArgumentException e) {
                return DEFAULT; // a broken image must not make the container unstoppable
            }
        }
        return DEFAULT;
    }

    /**
     * "usr1", "SIGUSR1", "10", "SIGRTMIN+3" → "SIGUSR1", "10", "SIGRTMIN+3".
     *
     * @throws IllegalArgumentException with a one-line message for anything else
     */
    public static String canonical(String signal) {
        String s = signal.strip().toUpperCase(Locale.ROOT);
        if (s.matches("[0-9]{1,2}")) {
            int n = Integer.parseInt(s);
            if (n >= 1 && n <= 64) {
                return Integer.toString(n);
            }
        }
        String name = s.startsWith("SIG") ? s.substring(3) : s;
        if (NAMES.contains(name) || name.matches("RTMIN(\\+([1-9]|1[0-5]))?|RTMAX(-([1-9]|1[0-4]))?")) {
            return "SIG" + name;
        }
        throw new IllegalArgumentException("invalid stop signal '" + signal + "'");
    }
}
