package io.gantry.scheduler.placement;

/**
 * Swarm's default: a service's replicas go to the node holding the fewest of them. Scores {@code -replicas}, so
 * 0 (no replica of this service yet) is the best any node can do.
 */
public final class ServiceSpreadScorer implements SpreadScorer {
    @Override
    public double score(NodeSnapshot node, Ask ask) {
        return -node.replicasOf(ask.service());
    }

    @Override
    public double ceiling() {
        return 0;
    }
}
