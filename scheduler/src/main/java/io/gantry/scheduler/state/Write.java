package io.gantry.scheduler.state;

import io.gantry.proto.Node;
import io.gantry.proto.Service;
import io.gantry.proto.Workload;

/** One change to the stored state; the leader hands these to {@link FencedStore#commit} in batches. */
public sealed interface Write {
    /** {@code exists}: what the leader's cache says; it only picks the first op (see FencedStore). */
    record PutWorkload(Workload workload, boolean exists) implements Write {
    }

    /**
     * Observed state written behind: only if the workload still exists (a removal may have overtaken it), never
     * creating it again.
     */
    record UpdateWorkloadIfPresent(Workload workload) implements Write {
    }

    record DeleteWorkload(String id) implements Write {
    }

    record PutService(Service service, boolean exists) implements Write {
    }

    record DeleteService(String id) implements Write {
    }

    record PutNode(Node node, boolean exists) implements Write {
    }

    record PutNetwork(io.gantry.proto.Network network, boolean exists) implements Write {
    }

    record DeleteNetwork(String id) implements Write {
    }
}
