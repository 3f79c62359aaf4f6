package io.gantry.scheduler.placement;

/** Ranks a feasible node; higher is better. Scores are in [0, 1]. */
public interface Scorer {
    double score(NodeSnapshot node, Ask ask);
}
