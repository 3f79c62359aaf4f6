package io.gantry.ctl.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code gantry bench}: benchmarks ({@code gantry bench scale}). */
@Command(name = "bench", description = "Benchmarks.", subcommands = {ScaleBenchCommand.class, CommandLine.HelpCommand.class})
public final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing benchmark (see 'gantry bench --help')");
    }
}
