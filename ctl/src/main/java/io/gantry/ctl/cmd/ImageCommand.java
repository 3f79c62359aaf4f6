package io.gantry.ctl.cmd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gantry.ctl.cli.DockerUnits;
import io.gantry.ctl.cli.JsonArrays;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.proto.ImageOp;
import io.gantry.proto.SessionFrame;
import io.gantry.proto.SessionOpen;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code gantry image ...}: images on the cluster's nodes. */
@Command(name = "image", description = "Manage images on the cluster's nodes.",
        subcommands = {ImageCommand.Ls.class, ImageCommand.Inspect.class, ImageCommand.Rm.class, TagCommand.class,
                PullCommand.class, ImageCommand.Prune.class})
public final class ImageCommand implements Runnable {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand (ls, inspect, rm, tag, pull, prune)");
    }

    /** {@code image ls}: {@code images} under the group. */
    @Command(name = "ls", aliases = "list", description = "List the images on the cluster's nodes.")
    static final class Ls extends ImagesCommand {
    }

    /** {@code image rm}: {@code rmi} under the group. */
    @Command(name = "rm", aliases = "remove", description = "Remove one or more images from the cluster's nodes.")
    static final class Rm extends RmiCommand {
    }

    /**
     * Prints what each node that acted on {@code image} said, {@code NODE: LINE} ({@code fallback} when it said
     * nothing; null prints nothing), and returns the one-line errors: a node without the image is no error unless
     * no node had it.
     */
    static List<String> report(List<NodeFanout.NodeResult> results, String image, PrintWriter out, String fallback) {
        List<String> errors = new ArrayList<>();
        boolean anyFound = false;
        for (var r : results) {
            if (r.ok()) {
                anyFound = true;
                List<String> lines = lines(r.frames());
                if (out != null) {
                    if (lines.isEmpty() && fallback != null) {
                        out.println(r.node() + ": " + fallback);
                    }
                    lines.forEach(l -> out.println(r.node() + ": " + l));
                }
            } else if (r.notFound()) {
                continue;
            } else {
                anyFound = true;
                errors.add(r.error());
            }
        }
        if (!anyFound) {
            errors.add("no such image: " + image);
        }
        return errors;
    }

    /** The lines an agent answered with: removed references and layers (Docker's "Untagged:", "Deleted:"), or text. */
    private static List<String> lines(List<SessionFrame> frames) {
        List<String> lines = new ArrayList<>();
        for (SessionFrame f : frames) {
            if (f.hasPruned()) {
                lines.addAll(f.getPruned().getDeletedList());
            } else if (f.hasStdout()) {
                f.getStdout().toString(StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).forEach(lines::add);
            }
        }
        return lines;
    }

    /** {@code image inspect IMAGE...}: every node's record of each image, as one JSON array. */
    @Command(name = "inspect", description = "Display detailed information on one or more images (JSON), from every node that has them.")
    static final class Inspect implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--node", paramLabel = "NAME", description = "Only this node's copy")
        String node;

        @Parameters(arity = "1..*", paramLabel = "IMAGE")
        List<String> images;

        @Override
        public Integer call() throws InterruptedException {
            List<JsonNode> found = new ArrayList<>();
            List<String> errors = new ArrayList<>();
            try (SchedulerClient client = NodeFanout.main(spec).connect()) {
                List<String> nodes = NodeFanout.targets(client, node);
                for (String image : images) {
                    var results = NodeFanout.run(client, nodes, n -> SessionOpen.newBuilder().setImage(ImageOp.newBuilder()
                            .setKind(ImageOp.Kind.INSPECT).setRef(image)).build());
                    errors.addAll(report(results, image, null, null));
                    for (var r : results) {
                        r.frames().stream().filter(f -> f.getBodyCase() == SessionFrame.BodyCase.JSON)
                                .forEach(f -> {
                                    JsonNode json = JsonArrays.parse(f.getJson(), "the answer of node " + r.node());
                                    // one record per frame, or an array of them
                                    (json.isArray() ? json.valueStream().toList() : List.of(json))
                                            .forEach(j -> found.add(withNode(j, r.node())));
                                });
                    }
                }
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println(JsonArrays.render(found));
            out.flush();
            return Services.reportFailures(errors, Math.max(errors.size(), images.size()), spec.commandLine().getErr());
        }

        /** Which node a record is from, unless the agent said so itself. */
        private static JsonNode withNode(JsonNode json, String node) {
            if (json instanceof ObjectNode o && !o.has("Node")) {
                o.put("Node", node);
            }
            return json;
        }
    }

    /** {@code image prune [-a] [-f]}: dangling (or, with -a, all unused) images on every ready node. */
    @Command(name = "prune", description = "Remove unused images from every ready node.")
    static final class Prune implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = {"-a", "--all"}, description = "Remove all unused images, not just dangling ones")
        boolean all;

        @Option(names = {"-f", "--force"}, description = "Do not prompt for confirmation")
        boolean force;

        @Option(names = "--node", paramLabel = "NAME", description = "Only on this node")
        String node;

        @Override
        public Integer call() throws InterruptedException, IOException {
            PrintWriter out = spec.commandLine().getOut();
            if (!force && !Confirmation.confirm(out, all
                    ? "This will remove all images without at least one container associated to them."
                    : "This will remove all dangling images.")) {
                return 0;
            }
            List<NodeFanout.NodeResult> results;
            int tried;
            try (SchedulerClient client = NodeFanout.main(spec).connect()) {
                List<String> nodes = NodeFanout.targets(client, node);
                tried = nodes.size();
                results = NodeFanout.run(client, nodes, n -> SessionOpen.newBuilder().setImage(ImageOp.newBuilder()
                        .setKind(ImageOp.Kind.PRUNE).setAll(all)).build());
            }
            return printPruned(results, "Deleted Images:", out, spec.commandLine().getErr(), tried);
        }
    }

    /** Docker's prune report: what went (per node), then the total over all nodes. */
    static int printPruned(List<NodeFanout.NodeResult> results, String title, PrintWriter out, PrintWriter err, int tried) {
        List<String> deleted = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        long reclaimed = 0;
        for (var r : results) {
            if (!r.ok()) {
                errors.add(r.error());
            }
            for (SessionFrame f : r.frames()) {
                if (f.hasPruned()) {
                    f.getPruned().getDeletedList().forEach(d -> deleted.add(r.node() + ": " + d));
                    reclaimed += f.getPruned().getReclaimedBytes();
                }
            }
        }
        if (!deleted.isEmpty()) {
            out.println(title);
            deleted.forEach(out::println);
            out.println();
        }
        out.println("Total reclaimed space: " + DockerUnits.decimal(reclaimed));
        out.flush();
        return Services.reportFailures(errors, tried, err);
    }
}
