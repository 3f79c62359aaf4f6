package io.gantry.agent.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gantry.agent.runtime.ContainerRuntime;
import io.gantry.agent.runtime.ContainerView;
import io.gantry.image.ImageDetails;
import io.gantry.image.ImageException;
import io.gantry.image.ImageReference;
import io.gantry.image.ImageRemoval;
import io.gantry.image.ImageService;
import io.gantry.image.ImageStore;
import io.gantry.image.ImageSummary;
import io.gantry.image.ImageUsage;
import io.gantry.image.PulledImage;
import io.gantry.image.auth.RegistryCredentials;
import io.gantry.proto.ImageList;
import io.gantry.proto.ImageOp;
import io.gantry.proto.PruneResult;
import io.gantry.proto.PullProgress;
import io.gantry.proto.RegistryAuth;
import io.gantry.proto.SessionFrame;
import io.gantry.proto.SessionOpen;
import io.grpc.Status;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * {@code pull} (with per-layer progress frames), {@code images}, {@code image inspect}, {@code rmi}, {@code tag}
 * and {@code image prune} on one node's image store. An image is in use while a container on this node (running
 * or not) was made from it.
 */
public final class ImageSessions implements SessionHandlers {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Downloading lines per layer at most this often: a fast pull must not flood the stream. */
    static final long PROGRESS_EVERY_NANOS = 100_000_000L;

    private final ImageStore store;
    private final ContainerRuntime runtime;
    private final Supplier<String> defaultRegistry;
    private final String node;

    public ImageSessions(ImageStore store, ContainerRuntime runtime, Supplier<String> defaultRegistry, String node) {
        this.store = store;
        this.runtime = runtime;
        this.defaultRegistry = defaultRegistry;
        this.node = node;
    }

    @Override
    public SessionHandler handlerFor(SessionOpen open) {
        ImageOp op = open.getImage();
        return session -> {
            try {
                switch (op.getKind()) {
                    case PULL -> pull(op, session);
                    case LIST -> list(op, session);
                    case INSPECT -> session.send(SessionFrame.newBuilder().setJson(inspect(op.getRef())));
                    case REMOVE -> session.send(SessionFrame.newBuilder().setPruned(removal(
                            store.remove(requireRef(op.getRef()), defaultRegistry.get(), op.getForce(), usage()))));
                    case TAG -> {
                        ImageSummary tagged = store.tag(requireRef(op.getRef()), requireRef(op.getTarget()), defaultRegistry.get());
                        session.send(SessionFrame.newBuilder().setImages(ImageList.newBuilder().addImages(summary(tagged))));
                    }
                    case PRUNE -> session.send(SessionFrame.newBuilder().setPruned(removal(store.prune(op.getAll(), usage()))));
                    case UNRECOGNIZED -> throw SessionException.invalid("unknown image operation");
                }
                return 0;
            } catch (ImageException e) {
                String m = e.getMessage() == null ? "image operation failed" : e.getMessage();
                Status.Code code = m.startsWith("no such image") ? Status.Code.NOT_FOUND
                        : m.contains("in use by container") ? Status.Code.FAILED_PRECONDITION
                        : m.startsWith("invalid") ? Status.Code.INVALID_ARGUMENT : Status.Code.UNKNOWN;
                throw new SessionException(code, m);
            }
        };
    }

    private static String requireRef(String ref) throws SessionException {
        if (ref.isBlank()) {
            throw SessionException.invalid("an image name or id is needed");
        }
        return ref;
    }

    private ImageUsage usage() {
        return image -> runtime.views().stream().filter(v -> v.imageDigest().equals(image.manifestDigest()))
                .map(ContainerView::name).findFirst();
    }

    private void pull(ImageOp op, SessionContext session) throws Exception {
        ImageReference ref = ImageReference.parse(requireRef(op.getRef()), defaultRegistry.get());
        Map<String, Long> lastSent = new ConcurrentHashMap<>();
        ImageService.PullListener listener = new ImageService.PullListener() {
            @Override
            public void layer(ImageService.LayerProgress p) {
                PullProgress.Builder line = PullProgress.newBuilder().setLayer(p.shortId());
                switch (p) {
                    case ImageService.LayerProgress.Waiting w -> line.setStatus("Waiting").setTotal(w.size());
                    case ImageService.LayerProgress.Downloading d -> {
                        long now = System.nanoTime();
                        Long last = lastSent.get(d.digest());
                        if (last != null && now - last < PROGRESS_EVERY_NANOS && d.current() < d.total()) {
                            return;
                        }
                        lastSent.put(d.digest(), now);
                        line.setStatus("Downloading").setCurrent(d.current()).setTotal(d.total());
                    }
                    case ImageService.LayerProgress.Verifying v -> line.setStatus("Verifying Checksum");
                    case ImageService.LayerProgress.Extracting x -> line.setStatus("Extracting");
                    case ImageService.LayerProgress.Done d -> line.setStatus("Pull complete").setTotal(d.size());
                    case ImageService.LayerProgress.AlreadyExists a -> line.setStatus("Already exists").setTotal(a.size());
                }
                session.send(SessionFrame.newBuilder().setPullProgress(line));
            }
        };
        boolean withAuth = op.hasAuth() && (!op.getAuth().getUsername().isEmpty() || !op.getAuth().getIdentityToken().isEmpty());
        PulledImage pulled = withAuth
                ? store.pull(ref, listener, credentials(op.getAuth(), ref))
                : store.pull(ref, listener);
        session.send(SessionFrame.newBuilder().setPullProgress(PullProgress.newBuilder()
                .setStatus("Downloaded " + ref).setDigest(pulled.manifestDigest())));
    }

    private static RegistryCredentials credentials(RegistryAuth auth, ImageReference ref) {
        String registry = auth.getRegistry().isEmpty() ? ref.registry() : auth.getRegistry();
        RegistryCredentials.Credential c = auth.getIdentityToken().isEmpty()
                ? new RegistryCredentials.Credential.UsernamePassword(auth.getUsername(), auth.getPassword())
                : new RegistryCredentials.Credential.IdentityToken(auth.getUsername(), auth.getIdentityToken());
        return RegistryCredentials.of(Map.of(registry, c));
    }

    private void list(ImageOp op, SessionContext session) throws ImageException {
        ImageList.Builder list = ImageList.newBuilder();
        for (ImageSummary s : store.images()) {
            if (!s.dangling() || op.getAll()) {
                list.addImages(summary(s));
            }
        }
        session.send(SessionFrame.newBuilder().setImages(list));
    }

    private io.gantry.proto.ImageSummary summary(ImageSummary s) {
        int containers = (int) runtime.views().stream().filter(v -> v.imageDigest().equals(s.manifestDigest())).count();
        return io.gantry.proto.ImageSummary.newBuilder().addAllRepoTags(s.repoTags()).addAllRepoDigests(s.repoDigests())
                .setId(s.id()).setCreatedMs(s.created() == null ? 0 : s.created().toEpochMilli()).setSizeBytes(s.size())
                .setNode(node).setContainers(containers).build();
    }

    /** Docker-like {@code image inspect} JSON. */
    private String inspect(String ref) throws Exception {
        ImageDetails d = store.inspect(requireRef(ref), defaultRegistry.get());
        ObjectNode out = JSON.createObjectNode();
        out.put("Id", d.summary().id());
        strings(out.putArray("RepoTags"), d.summary().repoTags());
        strings(out.putArray("RepoDigests"), d.summary().repoDigests());
        out.put("Created", d.summary().created() == null ? "" : d.summary().created().toString());
        out.put("Size", d.summary().size());
        out.put("Os", d.os());
        out.put("Architecture", d.architecture());
        out.put("ManifestMediaType", d.manifestMediaType());
        JsonNode config = JSON.readTree(d.configJson());
        out.set("Config", config.path("config"));
        ObjectNode rootfs = out.putObject("RootFS");
        rootfs.put("Type", "layers");
        ArrayNode layers = rootfs.putArray("Layers");
        d.layers().forEach(l -> layers.add(l.diffId()));
        out.put("Node", node);
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out);
    }

    private static void strings(ArrayNode array, List<String> values) {
        values.forEach(array::add);
    }

    private static PruneResult removal(ImageRemoval r) {
        PruneResult.Builder b = PruneResult.newBuilder().setReclaimedBytes(r.reclaimedBytes());
        r.untagged().forEach(u -> b.addDeleted("Untagged: " + u));
        r.deleted().forEach(id -> b.addDeleted("Deleted: " + id));
        return b.build();
    }

}
