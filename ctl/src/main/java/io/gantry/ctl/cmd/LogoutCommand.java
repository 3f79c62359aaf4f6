package io.gantry.ctl.cmd;

import io.gantry.ctl.cli.CliConfig;
import io.gantry.ctl.cli.CliException;
import io.gantry.image.ImageException;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code gantry logout}: forgets the registry's credentials in the CLI's config.json. */
@Command(name = "logout", description = "Log out from a registry.")
public final class LogoutCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SERVER")
    String server;

    @Override
    public Integer call() {
        String registry = server.replaceFirst("^https?://", "").replaceFirst("/+$", "");
        boolean removed;
        try {
            removed = CliConfig.credentials(System.getenv()).logout(registry);
        } catch (ImageException e) {
            throw new CliException(e.getMessage());
        }
        var out = spec.commandLine().getOut();
        out.println(removed ? "Removing login credentials for " + registry : "Not logged in to " + registry);
        out.flush();
        return 0;
    }
}
