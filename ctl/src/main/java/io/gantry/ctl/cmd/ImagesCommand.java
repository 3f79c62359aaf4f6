package io.gantry.ctl.cmd;

import io.gantry.ctl.cli.DockerUnits;
import io.gantry.ctl.cli.Humanize;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.ctl.cli.Table;
import io.gantry.proto.ImageOp;
import io.gantry.proto.ImageSummary;
import io.gantry.proto.SessionOpen;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code gantry images} (and {@code image ls}): the images on every ready node, with the node each is on. */
@Command(name = "images", description = "List the images on the cluster's nodes.")
public class ImagesCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-a", "--all"}, description = "Show all images (default hides dangling ones)")
    boolean all;

    @Option(names = {"-q", "--quiet"}, description = "Only show image IDs")
    boolean quiet;

    @Option(names = "--node", paramLabel = "NAME", description = "Only this node's images")
    String node;

    @Parameters(arity = "0..1", paramLabel = "REPOSITORY[:TAG]", description = "Only images of this repository (and tag)")
    String reference;

    /** One row: an image summary with the node that answered. */
    record Row(String node, ImageSummary image) {
    }

    @Override
    public Integer call() throws InterruptedException {
        List<Row> rows = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        int tried;
        try (SchedulerClient client = NodeFanout.main(spec).connect()) {
            List<String> nodes = NodeFanout.targets(client, node);
            tried = nodes.size();
            var results = NodeFanout.run(client, nodes, n -> SessionOpen.newBuilder()
                    .setImage(ImageOp.newBuilder().setKind(ImageOp.Kind.LIST).setAll(all)).build());
            for (var r : results) {
                if (!r.ok()) {
                    errors.add(r.error());
                }
                r.frames().stream().filter(f -> f.hasImages())
                        .flatMap(f -> f.getImages().getImagesList().stream())
                        .map(i -> reference == null ? i : onlyMatching(i, reference))
                        .filter(i -> i != null)
                        .forEach(i -> rows.add(new Row(r.node(), i)));
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(quiet ? ids(rows) : render(rows, Instant.now()));
        out.flush();
        return Services.reportFailures(errors, tried, spec.commandLine().getErr());
    }

    /**
     * Docker's {@code images REPOSITORY[:TAG]}: the image with only its tags of that repository (and tag, if given);
     * null when it has none.
     */
    static ImageSummary onlyMatching(ImageSummary image, String reference) {
        int colon = reference.lastIndexOf(':');
        boolean withTag = colon > reference.lastIndexOf('/');
        List<String> tags = image.getRepoTagsList().stream().filter(t -> withTag ? t.equals(reference)
                : t.lastIndexOf(':') > t.lastIndexOf('/') && t.substring(0, t.lastIndexOf(':')).equals(reference)).toList();
        return tags.isEmpty() ? null : image.toBuilder().clearRepoTags().addAllRepoTags(tags).build();
    }

    /** Docker's short image id: the config digest's first 12 hex digits. */
    static String shortId(String id) {
        String hex = id.startsWith("sha256:") ? id.substring(7) : id;
        return hex.length() > 12 ? hex.substring(0, 12) : hex;
    }

    static String ids(List<Row> rows) {
        Set<String> ids = new LinkedHashSet<>();
        sorted(rows).forEach(r -> ids.add(shortId(r.image().getId())));
        StringBuilder s = new StringBuilder();
        ids.forEach(id -> s.append(id).append('\n'));
        return s.toString();
    }

    static String render(List<Row> rows, Instant now) {
        Table t = new Table("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", "NODE");
        for (Row r : sorted(rows)) {
            ImageSummary i = r.image();
            String created = i.getCreatedMs() <= 0 ? "N/A"
                    : Humanize.duration(Duration.between(Instant.ofEpochMilli(i.getCreatedMs()), now)) + " ago";
            String size = DockerUnits.decimal(i.getSizeBytes(), 3);
            String nodeName = i.getNode().isEmpty() ? r.node() : i.getNode();
            if (i.getRepoTagsCount() == 0) {
                String repo = i.getRepoDigestsCount() == 0 ? "<none>" : repository(i.getRepoDigests(0), '@');
                t.row(repo, "<none>", shortId(i.getId()), created, size, nodeName);
            }
            for (String tag : i.getRepoTagsList()) {
                int colon = tag.lastIndexOf(':');
                boolean hasTag = colon > tag.lastIndexOf('/');
                t.row(hasTag ? tag.substring(0, colon) : tag, hasTag ? tag.substring(colon + 1) : "<none>",
                        shortId(i.getId()), created, size, nodeName);
            }
        }
        return t.render();
    }

    private static String repository(String ref, char separator) {
        int at = ref.indexOf(separator);
        return at < 0 ? ref : ref.substring(0, at);
    }

    /** Newest first, as Docker lists; then by name and node, so one image's rows on several nodes sit together. */
    private static List<Row> sorted(List<Row> rows) {
        return rows.stream().sorted(Comparator.comparingLong((Row r) -> r.image().getCreatedMs()).reversed()
                .thenComparing(r -> r.image().getRepoTagsCount() == 0 ? "~" : r.image().getRepoTags(0))
                .thenComparing(r -> r.image().getId())
                .thenComparing(Row::node)).toList();
    }
}
