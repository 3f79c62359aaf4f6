package io.gantry.agent.session;

import io.gantry.agent.runtime.ContainerRuntime;
import io.gantry.agent.runtime.ContainerView;
import io.gantry.agent.runtime.VolumeStore;
import io.gantry.agent.spec.ContainerMounts;
import io.gantry.agent.spec.SpecException;
import io.gantry.proto.Mount;
import io.gantry.proto.PruneResult;
import io.gantry.proto.SessionFrame;
import io.gantry.proto.Volume;
import io.gantry.proto.VolumeList;
import io.gantry.proto.VolumeOp;
import java.util.List;

/**
 * {@code volume create|ls|inspect|rm|prune} on one node. A volume is in use while any container on the node
 * (running or stopped) mounts it: rm refuses it (force only helps when none of them runs), prune skips it.
 */
final class VolumeSession implements SessionHandler {
    private final ContainerRuntime runtime;
    private final VolumeOp op;
    private final String node;

    VolumeSession(ContainerRuntime runtime, VolumeOp op, String node) {
        this.runtime = runtime;
        this.op = op;
        this.node = node;
    }

    @Override
    public int run(SessionContext session) throws Exception {
        VolumeStore store = runtime.volumes();
        switch (op.getKind()) {
            case CREATE -> {
                requireName();
                try {
                    VolumeStore.VolumeInfo v = store.create(op.getName(), op.getLabelsMap(), System.currentTimeMillis());
                    session.send(SessionFrame.newBuilder().setVolumes(VolumeList.newBuilder().addVolumes(volume(v))));
                } catch (SpecException e) {
                    throw SessionException.invalid(e.getMessage());
                }
            }
            case LIST -> {
                VolumeList.Builder list = VolumeList.newBuilder();
                store.list().forEach(v -> list.addVolumes(volume(v)));
                session.send(SessionFrame.newBuilder().setVolumes(list));
            }
            case INSPECT -> {
                requireName();
                VolumeStore.VolumeInfo v = store.inspect(op.getName())
                        .orElseThrow(() -> SessionException.notFound("no such volume: " + op.getName()));
                session.send(SessionFrame.newBuilder().setVolumes(VolumeList.newBuilder().addVolumes(volume(v))));
            }
            case REMOVE -> {
                requireName();
                if (store.inspect(op.getName()).isEmpty()) {
                    throw SessionException.notFound("no such volume: " + op.getName());
                }
                List<ContainerView> users = users(op.getName());
                List<ContainerView> blocking = op.getForce() ? users.stream().filter(ContainerView::live).toList() : users;
                if (!blocking.isEmpty()) {
                    throw SessionException.precondition("volume " + op.getName() + " is in use by container " + blocking.getFirst().name());
                }
                store.remove(op.getName());
            }
            case PRUNE -> {
                PruneResult.Builder pruned = PruneResult.newBuilder();
                for (VolumeStore.VolumeInfo v : store.list()) {
                    if (users(v.name()).isEmpty()) {
                        long size = store.sizeBytes(v.name());
                        if (store.remove(v.name())) {
                            pruned.addDeleted(v.name());
                            pruned.setReclaimedBytes(pruned.getReclaimedBytes() + size);
                        }
                    }
                }
                session.send(SessionFrame.newBuilder().setPruned(pruned));
            }
            case UNRECOGNIZED -> throw SessionException.invalid("unknown volume operation");
        }
        return 0;
    }

    private void requireName() throws SessionException {
        if (!op.getName().matches(ContainerMounts.VOLUME_NAME)) {
            throw SessionException.invalid("invalid volume name \"" + op.getName() + "\"");
        }
    }

    private List<ContainerView> users(String volume) {
        return runtime.views().stream().filter(c -> c.spec().getMountsList().stream()
                .anyMatch(m -> m.getType() == Mount.Type.VOLUME && m.getSource().equals(volume))).toList();
    }

    private Volume volume(VolumeStore.VolumeInfo v) {
        return Volume.newBuilder().setName(v.name()).setDriver("local").setMountpoint(v.mountpoint().toString())
                .putAllLabels(v.labels()).setCreatedMs(v.createdMs()).setNode(node)
                .addAllUsedBy(users(v.name()).stream().map(ContainerView::name).toList()).build();
    }
}
