package io.gantry.scheduler.placement;

/** Ranks a feasible node for an ask; higher is better. */
public interface Scorer {
    double score(NodeSnapshot node, Ask ask);
}
