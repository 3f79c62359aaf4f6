package io.gantry.scheduler.placement;

/**
 * A scorer whose best possible score is known before the search, so that the search can stop as soon as it holds
 * a node reaching it (after its minimum sample) and still be exact.
 */
public interface SpreadScorer extends Scorer {
    /** No node scores higher than this for the ask this scorer was built for. */
    double ceiling();
}
