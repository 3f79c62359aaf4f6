package io.gantry.ctl.cmd;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/** Docker's prune prompt: a warning, then "[y/N]" read from stdin; anything but y/yes (or no input) is a no. */
final class Confirmation {
    private Confirmation() {
    }

    static boolean confirm(PrintWriter out, String warning) throws IOException {
        out.print("WARNING! " + warning + "\nAre you sure you want to continue? [y/N] ");
        out.flush();
        String answer = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        return answer != null && (answer.strip().equalsIgnoreCase("y") || answer.strip().equalsIgnoreCase("yes"));
    }
}
