package io.gantry.ctl.bench;

import picocli.CommandLine;

/** Runs a bench command on its own with one-line errors, as the main CLI does. */
final class BenchCli {
    private BenchCli() {
    }

    static int execute(Object command, String[] args) {
        CommandLine cl = new CommandLine(command);
        cl.setParameterExceptionHandler((ex, a) -> {
            System.err.println(ex.getCommandLine().getCommandName() + ": " + firstLine(ex.getMessage()));
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, c, parse) -> {
            System.err.println("gantry: " + firstLine(ex.getMessage() == null ? ex.toString() : ex.getMessage()));
            return 1;
        });
        return cl.execute(args);
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }
}
