/**
 * The placement core: which node a workload goes to, or why none can take it. Pure code (no I/O, no clock),
 * deterministic for a seed.
 *
 * <ul>
 *   <li>Inputs: {@link io.gantry.scheduler.placement.NodeSnapshot} per node (capacity, allocation, host ports,
 *       labels, availability, replicas per service) and an {@link io.gantry.scheduler.placement.Ask} (resources,
 *       host ports, service, {@link io.gantry.scheduler.placement.PlacementConstraint}s,
 *       {@link io.gantry.scheduler.placement.SpreadPreference}s), read from the CLI syntax by
 *       {@link io.gantry.scheduler.placement.Constraints}.</li>
 *   <li>Filters ({@link io.gantry.scheduler.placement.FeasibilityCheck}): NodeReady, NodeActive,
 *       MatchesConstraints, EnoughCpu, EnoughMemory, HostPortsFree; the first failing one is the node's reason.</li>
 *   <li>Ranking ({@link io.gantry.scheduler.placement.Scorer}), lexicographic: LabelSpreadScorer per preference,
 *       ServiceSpreadScorer, then BinPackScorer (plain containers) or LeastAllocatedScorer (replicas).</li>
 *   <li>Search: {@link io.gantry.scheduler.placement.Placer} samples feasible nodes in a seeded order (Nomad's
 *       LimitIterator) but never at the cost of an uneven spread; a
 *       {@link io.gantry.scheduler.placement.PlacementRound} places a batch against one snapshot.</li>
 * </ul>
 */
package io.gantry.scheduler.placement;
