package io.gantry.ctl.cmd;

import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.proto.ImageOp;
import io.gantry.proto.SessionOpen;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code gantry rmi} (and {@code image rm}): removes images from every node that has them. */
@Command(name = "rmi", description = "Remove one or more images from the cluster's nodes.")
public class RmiCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-f", "--force"}, description = "Force removal of the image (also when a stopped container uses it)")
    boolean force;

    @Option(names = "--node", paramLabel = "NAME", description = "Only on this node")
    String node;

    @Parameters(arity = "1..*", paramLabel = "IMAGE")
    List<String> images;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        List<String> errors = new ArrayList<>();
        try (SchedulerClient client = NodeFanout.main(spec).connect()) {
            List<String> nodes = NodeFanout.targets(client, node);
            for (String image : images) {
                var results = NodeFanout.run(client, nodes, n -> SessionOpen.newBuilder().setImage(ImageOp.newBuilder()
                        .setKind(ImageOp.Kind.REMOVE).setRef(image).setForce(force)).build());
                errors.addAll(ImageCommand.report(results, image, out, "Untagged: " + image));
            }
        }
        out.flush();
        return Services.reportFailures(errors, Math.max(errors.size(), images.size()), spec.commandLine().getErr());
    }
}
