package io.gantry.scheduler.grpc;

import io.gantry.proto.ControlGrpc;
import io.gantry.proto.InspectRequest;
import io.gantry.proto.CreateServiceRequest;
import io.gantry.proto.InspectServiceRequest;
import io.gantry.proto.ListNodesRequest;
import io.gantry.proto.ListServicesRequest;
import io.gantry.proto.ListServicesResponse;
import io.gantry.proto.Node;
import io.gantry.proto.RemoveServiceRequest;
import io.gantry.proto.RemoveServiceResponse;
import io.gantry.proto.ScaleServiceRequest;
import io.gantry.proto.Service;
import io.gantry.proto.UpdateNodeRequest;
import io.gantry.proto.UpdateServiceRequest;
import io.gantry.proto.ListNodesResponse;
import io.gantry.proto.ListRequest;
import io.gantry.proto.ListResponse;
import io.gantry.proto.LogEntry;
import io.gantry.proto.LogsRequest;
import io.gantry.proto.RemoveRequest;
import io.gantry.proto.RemoveResponse;
import io.gantry.proto.RunRequest;
import io.gantry.proto.RunResponse;
import io.gantry.proto.StopRequest;
import io.gantry.proto.StopResponse;
import io.gantry.proto.WaitRequest;
import io.gantry.proto.Workload;
import io.gantry.scheduler.core.SchedulerCore;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/** The CLI's API; every call goes to the current term's core. */
public final class ControlService extends ControlGrpc.ControlImplBase {
    private final LeaderView leader;

    public ControlService(LeaderView leader) {
        this.leader = leader;
    }

    @Override
    public void run(RunRequest request, StreamObserver<RunResponse> out) {
        unary(out, core -> RunResponse.newBuilder().setWorkload(core.run(request)).build());
    }

    @Override
    public void list(ListRequest request, StreamObserver<ListResponse> out) {
        unary(out, core -> ListResponse.newBuilder().addAllWorkloads(core.list(request.getAll(), request.getService())).build());
    }

    @Override
    public void inspect(InspectRequest request, StreamObserver<Workload> out) {
        unary(out, core -> core.inspect(request.getRef()));
    }

    @Override
    public void listNodes(ListNodesRequest request, StreamObserver<ListNodesResponse> out) {
        unary(out, core -> ListNodesResponse.newBuilder().addAllNodes(core.listNodes()).build());
    }

    @Override
    public void updateNode(UpdateNodeRequest request, StreamObserver<Node> out) {
        unary(out, core -> core.updateNode(request));
    }

    @Override
    public void createService(CreateServiceRequest request, StreamObserver<Service> out) {
        unary(out, core -> core.createService(request.getSpec()));
    }

    @Override
    public void listServices(ListServicesRequest request, StreamObserver<ListServicesResponse> out) {
        unary(out, core -> ListServicesResponse.newBuilder().addAllServices(core.listServices()).build());
    }

    @Override
    public void inspectService(InspectServiceRequest request, StreamObserver<Service> out) {
        unary(out, core -> core.inspectService(request.getRef()));
    }

    @Override
    public void updateService(UpdateServiceRequest request, StreamObserver<Service> out) {
        unary(out, core -> core.updateService(request.getRef(), request.getSpec(), request.getRollback()));
    }

    @Override
    public void scaleService(ScaleServiceRequest request, StreamObserver<Service> out) {
        unary(out, core -> core.scaleService(request.getRef(), request.getReplicas()));
    }

    @Override
    public void removeService(RemoveServiceRequest request, StreamObserver<RemoveServiceResponse> out) {
        unary(out, core -> RemoveServiceResponse.newBuilder().setId(core.removeService(request.getRef())).build());
    }

    @Override
    public void stop(StopRequest request, StreamObserver<StopResponse> out) {
        async(out, core -> core.stop(request.getRef(), request.getTimeoutSeconds()),
                w -> StopResponse.newBuilder().setWorkload(w).build());
    }

    @Override
    public void remove(RemoveRequest request, StreamObserver<RemoveResponse> out) {
        async(out, core -> core.remove(request.getRef(), request.getForce()),
                w -> RemoveResponse.newBuilder().setId(w.getId()).build());
    }

    @Override
    public void kill(io.gantry.proto.KillRequest request, StreamObserver<io.gantry.proto.KillResponse> out) {
        unary(out, core -> io.gantry.proto.KillResponse.newBuilder().setWorkload(core.kill(request.getRef(), request.getSignal())).build());
    }

    @Override
    public void start(io.gantry.proto.StartRequest request, StreamObserver<io.gantry.proto.StartResponse> out) {
        unary(out, core -> io.gantry.proto.StartResponse.newBuilder().setWorkload(core.startAgain(request.getRef())).build());
    }

    @Override
    public void restart(io.gantry.proto.RestartRequest request, StreamObserver<io.gantry.proto.RestartResponse> out) {
        unary(out, core -> io.gantry.proto.RestartResponse.newBuilder()
                .setWorkload(core.restart(request.getRef(), request.getTimeoutSeconds())).build());
    }

    @Override
    public void rename(io.gantry.proto.RenameRequest request, StreamObserver<io.gantry.proto.RenameResponse> out) {
        unary(out, core -> io.gantry.proto.RenameResponse.newBuilder()
                .setWorkload(core.rename(request.getRef(), request.getNewName())).build());
    }

    @Override
    public void pause(io.gantry.proto.PauseRequest request, StreamObserver<io.gantry.proto.PauseResponse> out) {
        async(out, core -> core.pause(request.getRef()), w -> io.gantry.proto.PauseResponse.newBuilder().setWorkload(w).build());
    }

    @Override
    public void unpause(io.gantry.proto.UnpauseRequest request, StreamObserver<io.gantry.proto.UnpauseResponse> out) {
        async(out, core -> core.unpause(request.getRef()), w -> io.gantry.proto.UnpauseResponse.newBuilder().setWorkload(w).build());
    }

    @Override
    public void wait(WaitRequest request, StreamObserver<Workload> out) {
        async(out, core -> core.waitFor(request.getRef()), Function.identity());
    }

    @Override
    public void logs(LogsRequest request, StreamObserver<LogEntry> out) {
        try {
            core().openLogs(request, (ServerCallStreamObserver<LogEntry>) out);
        } catch (RuntimeException e) {
            out.onError(Errors.toStatus(e));
        }
    }

    @Override
    public StreamObserver<io.gantry.proto.SessionFrame> session(StreamObserver<io.gantry.proto.SessionFrame> out) {
        return new NodeSessionCall(leader, (ServerCallStreamObserver<io.gantry.proto.SessionFrame>) out);
    }

    @Override
    public void events(io.gantry.proto.EventsRequest request, StreamObserver<io.gantry.proto.Event> out) {
        try {
            core().events().subscribe(request, out);
        } catch (RuntimeException e) {
            out.onError(Errors.toStatus(e));
        }
    }

    @Override
    public void createNetwork(io.gantry.proto.CreateNetworkRequest request, StreamObserver<io.gantry.proto.Network> out) {
        unary(out, core -> core.createNetwork(request));
    }

    @Override
    public void listNetworks(io.gantry.proto.ListNetworksRequest request, StreamObserver<io.gantry.proto.ListNetworksResponse> out) {
        unary(out, core -> io.gantry.proto.ListNetworksResponse.newBuilder().addAllNetworks(core.listNetworks()).build());
    }

    @Override
    public void inspectNetwork(io.gantry.proto.InspectNetworkRequest request, StreamObserver<io.gantry.proto.Network> out) {
        unary(out, core -> core.inspectNetwork(request.getRef()));
    }

    @Override
    public void removeNetwork(io.gantry.proto.RemoveNetworkRequest request, StreamObserver<io.gantry.proto.RemoveNetworkResponse> out) {
        unary(out, core -> io.gantry.proto.RemoveNetworkResponse.newBuilder().setId(core.removeNetwork(request.getRef())).build());
    }

    @Override
    public void connectNetwork(io.gantry.proto.ConnectNetworkRequest request, StreamObserver<Workload> out) {
        unary(out, core -> core.connectNetwork(request));
    }

    @Override
    public void disconnectNetwork(io.gantry.proto.DisconnectNetworkRequest request, StreamObserver<Workload> out) {
        unary(out, core -> core.disconnectNetwork(request));
    }

    @Override
    public void pruneNetworks(io.gantry.proto.PruneNetworksRequest request, StreamObserver<io.gantry.proto.PruneNetworksResponse> out) {
        unary(out, core -> io.gantry.proto.PruneNetworksResponse.newBuilder().addAllDeleted(core.pruneNetworks()).build());
    }

    private SchedulerCore core() {
        return leader.core().orElseThrow(leader::notLeader);
    }

    private <T> void unary(StreamObserver<T> out, Function<SchedulerCore, T> call) {
        T result;
        try {
            result = call.apply(core());
        } catch (RuntimeException e) {
            out.onError(Errors.toStatus(e));
            return;
        }
        out.onNext(Redaction.redact(result));
        out.onCompleted();
    }

    /**
     * {@code call} must return the core's own future and {@code reply} maps its result: cancelling a derived
     * future (thenApply) would not reach the core, which would keep the waiter until its timeout.
     */
    private <R, T> void async(StreamObserver<T> out, Function<SchedulerCore, CompletableFuture<R>> call,
                              Function<R, T> reply) {
        CompletableFuture<R> future;
        try {
            future = call.apply(core());
        } catch (RuntimeException e) {
            out.onError(Errors.toStatus(e));
            return;
        }
        if (out instanceof ServerCallStreamObserver<T> server) {
            server.setOnCancelHandler(() -> future.cancel(false));
        }
        future.whenComplete((result, error) -> {
            try {
                if (error != null) {
                    if (!(error instanceof java.util.concurrent.CancellationException)) {
                        out.onError(Errors.toStatus(error));
                    }
                } else {
                    out.onNext(Redaction.redact(reply.apply(result)));
                    out.onCompleted();
                }
            } catch (RuntimeException ignored) {
                // the caller went away
            }
        });
    }
}
