package io.gantry.scheduler.placement;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A rough, untimed-by-tests measurement: 50,000 placements over 5,000 nodes, applying each with {@link PlacementRound#add}.
 * Run with {@code java -cp target/classes:target/test-classes:<proto jar>:<protobuf jar> io.gantry.scheduler.placement.PlacementBench}.
 */
public final class PlacementBench {
    private static final long MiB = 1024L * 1024;

    public static void main(String[] args) {
        int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        int placements = args.length > 1 ? Integer.parseInt(args[1]) : 50_000;
        for (int round = 0; round < 3; round++) {
            run("plain containers", nodes, placements, i -> new Ask(100, 64 * MiB, List.of()));
            run("100 services x 500", nodes, placements, i -> new Ask(100, 64 * MiB, List.of(), "svc-" + (i % 100),
                    List.of(), List.of()));
            run("10 services x 5000", nodes, placements, i -> new Ask(100, 64 * MiB, List.of(), "svc-" + (i % 10),
                    List.of(), List.of()));
            var zone = List.of(Constraints.parsePreference("spread=node.labels.zone"));
            run("100 services x 500, spread over 3 zones", nodes, placements,
                    i -> new Ask(100, 64 * MiB, List.of(), "svc-" + (i % 100), List.of(), zone));
            var constraint = List.of(Constraints.parse("node.labels.zone==a"));
            run("plain, constraint zone==a", nodes, placements, i -> new Ask(100, 64 * MiB, List.of(), "", constraint, List.of()));
        }
    }

    private static void run(String what, int n, int placements, java.util.function.IntFunction<Ask> asks) {
        var list = new ArrayList<NodeSnapshot>(n);
        for (int i = 0; i < n; i++) {
            list.add(new NodeSnapshot("node-" + i, true, 64_000, 256 * 1024 * MiB, 0, 0, Set.of(),
                    Map.of("zone", String.valueOf((char) ('a' + i % 3)))));
        }
        var placer = Placer.standard();
        var round = placer.round(list);
        long placed = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < placements; i++) {
            var ask = asks.apply(i);
            if (round.place(ask, i * 0x9E3779B97F4A7C15L) instanceof PlacementDecision.Placed p) {
                round.add(p.node(), ask);
                placed++;
            }
        }
        long ns = System.nanoTime() - t0;
        System.out.printf("%-45s %d/%d placed on %d nodes in %d ms: %.1f us each, %.0f/s%n", what, placed, placements, n,
                ns / 1_000_000, ns / 1000.0 / placements, placements * 1e9 / ns);
    }
}
