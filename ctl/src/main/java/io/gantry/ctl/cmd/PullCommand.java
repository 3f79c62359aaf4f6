package io.gantry.ctl.cmd;

import io.gantry.ctl.cli.RegistryCredentialsLookup;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.proto.ImageOp;
import io.gantry.proto.RegistryAuth;
import io.gantry.proto.SessionOpen;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code gantry pull} (and {@code image pull}): an image onto every ready node, or one. */
@Command(name = "pull", description = {"Pull an image from a registry onto the cluster's nodes.",
        "Every ready node pulls it (at once), unless --node names one. Credentials for the image's registry are"
                + " taken from $GANTRY_CONFIG/config.json (default ~/.gantry/config.json)."})
public class PullCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--node", paramLabel = "NAME", description = "Pull on this node only")
    String node;

    @Option(names = {"-q", "--quiet"}, description = "Suppress verbose output")
    boolean quiet;

    @Parameters(paramLabel = "IMAGE")
    String image;

    /** Where credentials come from; null: this user's config.json (tests set their own). */
    RegistryCredentialsLookup credentials;

    @Override
    public Integer call() throws InterruptedException {
        Optional<RegistryAuth> auth = (credentials != null ? credentials : RegistryCredentialsLookup.forThisUser()).forImage(image);
        ImageOp.Builder op = ImageOp.newBuilder().setKind(ImageOp.Kind.PULL).setRef(image);
        auth.ifPresent(op::setAuth);
        PrintWriter out = spec.commandLine().getOut();
        var console = System.console();
        boolean terminal = console != null && console.isTerminal();
        List<String> errors = new ArrayList<>();
        int succeeded = 0;
        List<String> nodes;
        try (SchedulerClient client = NodeFanout.main(spec).connect()) {
            nodes = NodeFanout.targets(client, node);
            PullDisplay display = new PullDisplay(out, terminal, nodes, image);
            var results = NodeFanout.run(client, nodes, n -> SessionOpen.newBuilder().setImage(op).build(), (n, f) -> {
                if (f.hasPullProgress() && !quiet) {
                    display.progress(n, f.getPullProgress());
                }
            });
            for (var r : results) {
                if (r.ok()) {
                    succeeded++;
                } else {
                    errors.add(r.error());
                }
            }
        }
        if (quiet && succeeded > 0) {
            out.println(image);
        }
        out.flush();
        return Services.reportFailures(errors, nodes.size(), spec.commandLine().getErr());
    }
}
