package io.gantry.scheduler.placement;

/**
 * Prefers the fullest node that still fits (after placing the ask), which keeps big holes free for big
 * workloads. Dimensions a node does not advertise (capacity 0) do not count.
 */
public final class BinPackScorer implements Scorer {
    @Override
    public double score(NodeSnapshot node, Ask ask) {
        double sum = 0;
        int dims = 0;
        if (node.cpuMillis() > 0) {
            sum += (double) (node.allocatedCpu() + ask.cpuMillis()) / node.cpuMillis();
            dims++;
        }
        if (node.memoryBytes() > 0) {
            sum += (double) (node.allocatedMemory() + ask.memoryBytes()) / node.memoryBytes();
            dims++;
        }
        return dims == 0 ? 0 : Math.min(1.0, sum / dims);
    }
}
