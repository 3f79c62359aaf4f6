package io.gantry.scheduler.placement;

/**
 * Prefers the emptiest node (after placing the ask): the last tie-breaker for service replicas, as Swarm spreads
 * tasks to the least loaded node once the service's own spread is even. The opposite of {@link BinPackScorer}.
 */
public final class LeastAllocatedScorer implements Scorer {
    private final BinPackScorer fullness = new BinPackScorer();

    @Override
    public double score(NodeSnapshot node, Ask ask) {
        return 1.0 - fullness.score(node, ask);
    }
}
