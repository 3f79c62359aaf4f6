package io.gantry.agent.session;

import io.gantry.agent.runtime.ContainerRuntime;
import io.gantry.agent.runtime.ContainerView;
import io.gantry.proto.SessionOpen;
import java.time.Clock;
import java.util.Optional;

/**
 * The real node's session handlers, by op: exec, attach, cp both ways, top, stats, volumes and images.
 * Container sessions name their container by workload_id and placement_version (filled in by the scheduler);
 * a container that is gone or was replaced meanwhile is NOT_FOUND.
 */
public final class NodeSessions implements SessionHandlers {
    /** Until the image module offers list/inspect/tag/remove/prune with progress: a clear one-line refusal. */
    public static final SessionHandlers IMAGES_UNIMPLEMENTED = open -> {
        throw new SessionException(io.grpc.Status.Code.UNIMPLEMENTED, "image operations are not implemented on the node agent yet");
    };

    private final ContainerRuntime runtime;
    private final String nodeName;
    private final ContainerUsageReader usage;
    private final Clock clock;
    private final SessionHandlers images;

    public NodeSessions(ContainerRuntime runtime, String nodeName, ContainerUsageReader usage, Clock clock, SessionHandlers images) {
        this.runtime = runtime;
        this.nodeName = nodeName;
        this.usage = usage;
        this.clock = clock;
        this.images = images;
    }

    @Override
    public SessionHandler handlerFor(SessionOpen open) throws SessionException {
        return switch (open.getOpCase()) {
            case EXEC -> new ExecSession(runtime, container(open), open.getExec());
            case ATTACH -> new AttachSession(runtime, container(open), open.getAttach());
            case COPY_FROM -> new CopySession(runtime, container(open), open.getCopyFrom(), false);
            case COPY_TO -> new CopySession(runtime, container(open), open.getCopyTo(), true);
            case TOP -> new TopSession(runtime, container(open));
            case STATS -> new StatsSession(runtime, open.getWorkloadId().isEmpty() && open.getContainer().isEmpty()
                    ? Optional.empty() : Optional.of(container(open)), open.getStats(), usage, nodeName, clock);
            case VOLUME -> new VolumeSession(runtime, open.getVolume(), nodeName);
            case IMAGE -> images.handlerFor(open);
            case OP_NOT_SET -> throw SessionException.invalid("the session names no operation");
        };
    }

    private ContainerView container(SessionOpen open) throws SessionException {
        String ref = open.getContainer().isEmpty() ? open.getWorkloadId() : open.getContainer();
        Optional<ContainerView> found = open.getWorkloadId().isEmpty()
                ? runtime.views().stream().filter(v -> v.id().equals(ref) || v.name().equals(ref)).findFirst()
                : runtime.view(open.getWorkloadId());
        ContainerView view = found.orElseThrow(() -> SessionException.notFound("no such container: " + ref));
        if (open.getPlacementVersion() > 0 && open.getPlacementVersion() != view.placementVersion()) {
            throw SessionException.notFound("container " + view.name() + " was replaced meanwhile; try again");
        }
        return view;
    }
}
