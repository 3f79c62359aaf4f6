package io.gantry.ctl.cmd;

import io.gantry.ctl.cli.CliConfig;
import io.gantry.ctl.cli.CliException;
import io.gantry.image.ImageException;
import io.gantry.image.auth.RegistryCredentials.Credential;
import io.gantry.image.registry.RegistryClient;
import io.gantry.image.registry.RegistryOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code gantry login}: checks the credentials against the registry (Basic or Bearer, as it asks), then keeps
 * them in the CLI's config.json (mode 0600). {@code run}, {@code service create} and {@code pull} send them with
 * the request, so nodes can pull the image (like Docker's --with-registry-auth).
 */
@Command(name = "login", description = "Log in to a registry.")
public final class LoginCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-u", "--username"}, description = "Username")
    String username;

    @Option(names = {"-p", "--password"}, description = "Password (prefer --password-stdin: this one is visible in ps)")
    String password;

    @Option(names = "--password-stdin", description = "Take the password from stdin")
    boolean passwordStdin;

    @Option(names = "--insecure", description = "Talk to the registry over plain http (it must also be on the nodes' insecure list)")
    boolean insecure;

    @Parameters(index = "0", paramLabel = "SERVER", description = "Registry host[:port]")
    String server;

    @Override
    public Integer call() throws Exception {
        if (password != null && passwordStdin) {
            throw new CliException("--password and --password-stdin are mutually exclusive", RunCommand.EXIT_GANTRY_ERROR);
        }
        String registry = server.replaceFirst("^https?://", "").replaceFirst("/+$", "");
        var console = System.console();
        if (username == null) {
            if (console == null || !console.isTerminal()) {
                throw new CliException("a username is required: use -u USER", RunCommand.EXIT_GANTRY_ERROR);
            }
            username = console.readLine("Username: ");
        }
        if (passwordStdin) {
            password = new String(System.in.readAllBytes(), StandardCharsets.UTF_8).strip();
        } else if (password == null) {
            if (console == null || !console.isTerminal()) {
                throw new CliException("a password is required: use --password-stdin", RunCommand.EXIT_GANTRY_ERROR);
            }
            char[] typed = console.readPassword("Password: ");
            password = typed == null ? "" : new String(typed);
        } else {
            spec.commandLine().getErr().println("WARNING! Using --password via the CLI is insecure. Use --password-stdin.");
        }
        if (username.isBlank() || password.isEmpty()) {
            throw new CliException("username and password must not be empty");
        }
        var credential = new Credential.UsernamePassword(username, password);
        var options = RegistryOptions.defaults().withInsecureRegistries(insecure ? Set.of(registry) : Set.of());
        try {
            new RegistryClient(RegistryClient.defaultHttpClient(), options).checkLogin(registry, credential);
            CliConfig.credentials(System.getenv()).login(registry, credential);
        } catch (ImageException e) {
            throw new CliException(e.getMessage());
        }
        var out = spec.commandLine().getOut();
        out.println("Login Succeeded");
        out.flush();
        return 0;
    }
}
