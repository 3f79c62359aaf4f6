package io.gantry.ctl.cmd;

import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.proto.ImageOp;
import io.gantry.proto.SessionOpen;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code gantry tag} (and {@code image tag}): a new name for an image, on every node that has it. */
@Command(name = "tag", description = "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE, on every node that has SOURCE_IMAGE.")
public class TagCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--node", paramLabel = "NAME", description = "Only on this node")
    String node;

    @Parameters(index = "0", paramLabel = "SOURCE_IMAGE")
    String source;

    @Parameters(index = "1", paramLabel = "TARGET_IMAGE")
    String target;

    @Override
    public Integer call() throws InterruptedException {
        List<String> errors;
        try (SchedulerClient client = NodeFanout.main(spec).connect()) {
            List<String> nodes = NodeFanout.targets(client, node);
            var results = NodeFanout.run(client, nodes, n -> SessionOpen.newBuilder().setImage(ImageOp.newBuilder()
                    .setKind(ImageOp.Kind.TAG).setRef(source).setTarget(target)).build());
            errors = ImageCommand.report(results, source, null, null);
        }
        return Services.reportFailures(errors, Math.max(1, errors.size()), spec.commandLine().getErr());
    }
}
