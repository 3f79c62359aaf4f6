package io.gantry.scheduler.state;

import com.google.protobuf.InvalidProtocolBufferException;
import io.gantry.proto.Node;
import io.gantry.proto.Service;
import io.gantry.proto.Workload;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's only way to write state. Taking over bumps {@code /epoch} with a version check and remembers
 * the new znode version; every later write is a transaction that first checks that version, so once another
 * scheduler has bumped the epoch, a deposed leader's writes fail with {@link FencedOutException}.
 */
public final class FencedStore {
    private static final Logger log = LoggerFactory.getLogger(FencedStore.class);

    private final CuratorFramework client;
    private final StateLayout layout;
    private final long epoch;
    private final int epochVersion;

    private FencedStore(CuratorFramework client, StateLayout layout, long epoch, int epochVersion) {
        this.client = client;
        this.layout = layout;
        this.epoch = epoch;
        this.epochVersion = epochVersion;
    }

    /** Bumps the epoch (compare-and-set on the znode version) and returns a store fenced on the new version. */
    public static FencedStore takeOver(CuratorFramework client, StateLayout layout) {
        try {
            for (String path : List.of(layout.workloads(), layout.nodes(), layout.services(), layout.networks())) {
                if (client.checkExists().forPath(path) == null) {
                    createIgnoringRace(client, path, new byte[0]);
                }
            }
            if (client.checkExists().forPath(layout.epoch()) == null) {
                createIgnoringRace(client, layout.epoch(), "0".getBytes(StandardCharsets.US_ASCII));
            }
            var stat = new Stat();
            byte[] data = client.getData().storingStatIn(stat).forPath(layout.epoch());
            long next = parseEpoch(data) + 1;
            Stat written = client.setData().withVersion(stat.getVersion())
                    .forPath(layout.epoch(), Long.toString(next).getBytes(StandardCharsets.US_ASCII));
            log.info("took over as leader: epoch {} (znode version {})", next, written.getVersion());
            return new FencedStore(client, layout, next, written.getVersion());
        } catch (KeeperException.BadVersionException e) {
            throw new FencedOutException("another scheduler bumped the epoch while this one was taking over", e);
        } catch (Exception e) {
            throw new StoreException("cannot take over the state in ZooKeeper: " + e.getMessage(), e);
        }
    }

    private static void createIgnoringRace(CuratorFramework client, String path, byte[] data) throws Exception {
        try {
            client.create().creatingParentContainersIfNeeded().forPath(path, data);
        } catch (KeeperException.NodeExistsException ignored) {
            // another scheduler created it first: fine
        }
    }

    private static long parseEpoch(byte[] data) {
        String s = new String(data, StandardCharsets.US_ASCII).trim();
        return s.isEmpty() ? 0 : Long.parseLong(s);
    }

    public long epoch() {
        return epoch;
    }

    public LoadedState load() {
        try {
            var workloads = new ArrayList<Workload>();
            for (String id : client.getChildren().forPath(layout.workloads())) {
                workloads.add(Workload.parseFrom(client.getData().forPath(layout.workload(id))));
            }
            var nodes = new ArrayList<Node>();
            for (String name : client.getChildren().forPath(layout.nodes())) {
                nodes.add(Node.parseFrom(client.getData().forPath(layout.node(name))));
            }
            var services = new ArrayList<Service>();
            for (String id : client.getChildren().forPath(layout.services())) {
                services.add(Service.parseFrom(client.getData().forPath(layout.service(id))));
            }
            var networks = new ArrayList<io.gantry.proto.Network>();
            if (client.checkExists().forPath(layout.networks()) != null) {
                for (String id : client.getChildren().forPath(layout.networks())) {
                    networks.add(io.gantry.proto.Network.parseFrom(client.getData().forPath(layout.network(id))));
                }
            }
            return new LoadedState(workloads, nodes, services, networks);
        } catch (InvalidProtocolBufferException e) {
            throw new StoreException("corrupt state in ZooKeeper under " + layout.root() + ": " + e.getMessage(), e);
        } catch (Exception e) {
            throw new StoreException("cannot load state from ZooKeeper: " + e.getMessage(), e);
        }
    }

    public void createWorkload(Workload w) {
        commit(List.of(new Write.PutWorkload(w, false)));
    }

    public void updateWorkload(Workload w) {
        commit(List.of(new Write.PutWorkload(w, true)));
    }

    /** Deleting what is already gone succeeds: an earlier delete may have landed with its reply lost. */
    public void deleteWorkload(String id) {
        commit(List.of(new Write.DeleteWorkload(id)));
    }

    /** {@code exists} is what the leader's cache says: only the op tried first, see {@link #upsert}. */
    public void putNode(Node n, boolean exists) {
        commit(List.of(new Write.PutNode(n, exists)));
    }

    /**
     * Commits {@code writes}: chunks of at most {@link #MAX_OPS_PER_MULTI} ops, each one fenced multi (the epoch
     * check first), all chunks sent at once and awaited together, so a batch costs about one round trip and one
     * log sync rather than one per write. Chunks are independent: when this throws, earlier chunks may have
     * landed, which is why every write here is idempotent and the caller only updates its cache on success.
     */
    public void commit(List<Write> writes) {
        if (writes.isEmpty()) {
            return;
        }
        String what = writes.size() == 1 ? describe(writes.getFirst()) : writes.size() + " writes";
        try {
            var sent = send(writes);
            for (var chunk : sent) {
                var code = chunk.result().get(WRITE_TIMEOUT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
                switch (code) {
                    case OK -> { }
                    case BADVERSION -> throw KeeperException.create(code, layout.epoch());
                    // The cache guessed create/setData wrong for some write (a reply lost earlier): redo the chunk
                    // one write at a time, each with its own fallback.
                    case NODEEXISTS, NONODE -> {
                        for (var w : chunk.writes()) {
                            writeOne(w);
                        }
                    }
                    default -> throw KeeperException.create(code);
                }
            }
        } catch (KeeperException.BadVersionException e) {
            throw new FencedOutException("cannot " + what + ": this scheduler is no longer the leader (epoch "
                    + epoch + " was superseded)", e);
        } catch (KeeperException e) {
            // Multi-op failures report the first failing op; a NoNode on the epoch path is also a lost fence.
            if (e.getPath() != null && e.getPath().equals(layout.epoch())) {
                throw new FencedOutException("cannot " + what + ": this scheduler is no longer the leader ("
                        + e.code() + " on the epoch)", e);
            }
            throw new StoreException("cannot " + what + " in ZooKeeper: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while writing " + what + " to ZooKeeper", e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new StoreException("cannot " + what + " in ZooKeeper: no answer within " + WRITE_TIMEOUT_SECONDS + " s", e);
        } catch (Exception e) {
            throw new StoreException("cannot " + what + " in ZooKeeper: " + e.getMessage(), e);
        }
    }

    /** One fenced multi in flight: its writes, and the result code ZooKeeper gives it. */
    public record Chunk(List<Write> writes, java.util.concurrent.CompletableFuture<KeeperException.Code> result) {
    }

    /**
     * Sends {@code writes} as fenced multis without waiting. ZooKeeper applies one client's requests in the
     * order they were sent, so a caller may send under its lock (fixing the order against its other writes)
     * and wait outside it.
     */
    public List<Chunk> send(List<Write> writes) throws Exception {
        var chunks = new ArrayList<Chunk>();
        for (int i = 0; i < writes.size(); i += MAX_OPS_PER_MULTI) {
            var part = writes.subList(i, Math.min(writes.size(), i + MAX_OPS_PER_MULTI));
            var result = new java.util.concurrent.CompletableFuture<KeeperException.Code>();
            var ops = new ArrayList<CuratorOp>(part.size() + 1);
            ops.add(op().check().withVersion(epochVersion).forPath(layout.epoch()));
            for (var w : part) {
                ops.add(firstOp(w));
            }
            client.transaction().inBackground((c, event) -> result.complete(KeeperException.Code.get(event.getResultCode())))
                    .forOperations(ops);
            chunks.add(new Chunk(List.copyOf(part), result));
        }
        return chunks;
    }

    static final int MAX_OPS_PER_MULTI = 500;
    private static final int WRITE_TIMEOUT_SECONDS = 30;

    private static String describe(Write w) {
        return switch (w) {
            case Write.PutWorkload p -> (p.exists() ? "update" : "create") + " workload " + p.workload().getId();
            case Write.UpdateWorkloadIfPresent u -> "update workload " + u.workload().getId();
            case Write.DeleteWorkload d -> "delete workload " + d.id();
            case Write.PutService p -> "write service " + p.service().getSpec().getName();
            case Write.DeleteService d -> "delete service " + d.id();
            case Write.PutNode p -> "write node " + p.node().getName();
            case Write.PutNetwork p -> "write network " + p.network().getName();
            case Write.DeleteNetwork d -> "delete network " + d.id();
        };
    }

    private CuratorOp firstOp(Write w) throws Exception {
        return switch (w) {
            case Write.PutWorkload p -> put(layout.workload(p.workload().getId()), p.workload().toByteArray(), p.exists());
            case Write.PutService p -> put(layout.service(p.service().getId()), p.service().toByteArray(), p.exists());
            case Write.PutNode p -> put(layout.node(p.node().getName()), p.node().toByteArray(), p.exists());
            case Write.UpdateWorkloadIfPresent u -> op().setData().forPath(layout.workload(u.workload().getId()),
                    u.workload().toByteArray());
            case Write.DeleteWorkload d -> op().delete().forPath(layout.workload(d.id()));
            case Write.DeleteService d -> op().delete().forPath(layout.service(d.id()));
            case Write.PutNetwork p -> put(layout.network(p.network().getId()), p.network().toByteArray(), p.exists());
            case Write.DeleteNetwork d -> op().delete().forPath(layout.network(d.id()));
        };
    }

    private CuratorOp put(String path, byte[] data, boolean exists) throws Exception {
        return exists ? op().setData().forPath(path, data) : op().create().forPath(path, data);
    }

    /** One write in its own fenced multi, with the create/setData fallback and delete-if-present. */
    private void writeOne(Write w) throws Exception {
        switch (w) {
            case Write.PutWorkload p -> upsert(layout.workload(p.workload().getId()), p.workload().toByteArray(), p.exists());
            case Write.PutService p -> upsert(layout.service(p.service().getId()), p.service().toByteArray(), p.exists());
            case Write.PutNode p -> upsert(layout.node(p.node().getName()), p.node().toByteArray(), p.exists());
            case Write.UpdateWorkloadIfPresent u -> {
                try {
                    transact(op().setData().forPath(layout.workload(u.workload().getId()), u.workload().toByteArray()));
                } catch (KeeperException.NoNodeException e) {
                    log.debug("workload {} was deleted before its observed state was written", u.workload().getId());
                }
            }
            case Write.DeleteWorkload d -> deleteIfPresent(layout.workload(d.id()));
            case Write.DeleteService d -> deleteIfPresent(layout.service(d.id()));
            case Write.PutNetwork p -> upsert(layout.network(p.network().getId()), p.network().toByteArray(), p.exists());
            case Write.DeleteNetwork d -> deleteIfPresent(layout.network(d.id()));
        }
    }

    private void deleteIfPresent(String path) throws Exception {
        try {
            transact(op().delete().forPath(path));
        } catch (KeeperException.NoNodeException e) {
            log.debug("{} was already deleted", path);
        }
    }

    /**
     * Writes {@code data} whether or not the znode exists, each attempt fenced. The cache's {@code likelyExists}
     * picks the first op, but it can be wrong: a write that failed with ConnectionLoss (or was retried by Curator)
     * may have landed, so create falls back to setData on NodeExists and setData to create on NoNode. A multi
     * only reports those once its epoch check passed, so the fallback is still this term's write.
     */
    private void upsert(String path, byte[] data, boolean likelyExists) throws Exception {
        if (likelyExists) {
            try {
                transact(op().setData().forPath(path, data));
                return;
            } catch (KeeperException.NoNodeException e) {
                log.debug("{} is missing although cached; creating it", path);
            }
            transact(op().create().forPath(path, data));
        } else {
            try {
                transact(op().create().forPath(path, data));
                return;
            } catch (KeeperException.NodeExistsException e) {
                log.debug("{} already exists although not cached; overwriting it", path);
            }
            transact(op().setData().forPath(path, data));
        }
    }

    private org.apache.curator.framework.api.transaction.TransactionOp op() {
        return client.transactionOp();
    }

    /** One fenced multi: the epoch check, then {@code write}. */
    private void transact(CuratorOp write) throws Exception {
        client.transaction().forOperations(op().check().withVersion(epochVersion).forPath(layout.epoch()), write);
    }
}
