package io.gantry.ctl.cmd;

import io.gantry.proto.ContainerState;
import io.gantry.proto.ControlGrpc;
import io.gantry.proto.CreateServiceRequest;
import io.gantry.proto.DesiredState;
import io.gantry.proto.InspectServiceRequest;
import io.gantry.proto.ListNodesRequest;
import io.gantry.proto.ListNodesResponse;
import io.gantry.proto.ListRequest;
import io.gantry.proto.ListResponse;
import io.gantry.proto.ListServicesRequest;
import io.gantry.proto.ListServicesResponse;
import io.gantry.proto.LogEntry;
import io.gantry.proto.LogsRequest;
import io.gantry.proto.Node;
import io.gantry.proto.RemoveServiceRequest;
import io.gantry.proto.RemoveServiceResponse;
import io.gantry.proto.ScaleServiceRequest;
import io.gantry.proto.Service;
import io.gantry.proto.ServiceSpec;
import io.gantry.proto.UpdateNodeRequest;
import io.gantry.proto.UpdateServiceRequest;
import io.gantry.proto.UpdateStatus;
import io.gantry.proto.Workload;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A small Control service that keeps services, nodes, replicas and logs in maps: enough
 * scheduler for the CLI's service and node commands to be driven for real over gRPC.
 * A rolling update plays {@link #updateScript}, a step every few InspectService polls.
 */
final class FakeControl extends ControlGrpc.ControlImplBase {
    final Map<String, Service> services = new LinkedHashMap<>();
    final Map<String, Node> nodes = new LinkedHashMap<>();
    final List<Workload> workloads = new ArrayList<>();
    final Map<String, List<LogEntry>> logs = new LinkedHashMap<>();
    final List<Object> requests = new ArrayList<>();
    /**
     * The statuses a rolling update goes through after it began (UPDATING), one step every
     * {@link #pollsPerUpdate} InspectService calls; worded as the real scheduler words them.
     */
    List<UpdateStatus> updateScript = List.of(status(UpdateStatus.State.COMPLETED, "update completed"));
    int pollsPerUpdate = 2;
    private final Deque<UpdateStatus> script = new ArrayDeque<>();
    private int pollsLeft;
    private int seq;
    private long clock = 1_000_000;

    static UpdateStatus status(UpdateStatus.State state, String message) {
        return UpdateStatus.newBuilder().setState(state).setMessage(message).build();
    }

    synchronized <T> List<T> requests(Class<T> type) {
        return requests.stream().filter(type::isInstance).map(type::cast).toList();
    }

    synchronized void addNode(String name, Map<String, String> agentLabels) {
        nodes.put(name, Node.newBuilder().setName(name).setStatus(Node.Status.READY).setAddress("10.0.0." + (nodes.size() + 1))
                .setCpuMillis(2000).setMemoryBytes(1L << 30).putAllAgentLabels(agentLabels).putAllLabels(agentLabels).build());
    }

    synchronized Workload addReplica(Service s, int slot, String node, ContainerState state) {
        Workload w = Workload.newBuilder().setId(String.format("%012x", 0xabc000 + ++seq)).setService(s.getId()).setSlot(slot)
                .setServiceVersion(s.getVersion()).setNode(node).setState(state).setDesired(DesiredState.DESIRED_RUNNING)
                .setSpec(s.getSpec().getTemplate().toBuilder().setName(s.getSpec().getName() + "." + slot))
                .setCreatedAtMs(System.currentTimeMillis() - 60_000).setStartedAtMs(System.currentTimeMillis() - 30_000).build();
        workloads.add(w);
        return w;
    }

    private <T> void answer(StreamObserver<T> out, Object request, Supplier<T> body) {
        T result;
        synchronized (this) {
            requests.add(request);
            try {
                result = body.get();
            } catch (StatusRuntimeException e) {
                out.onError(e);
                return;
            }
        }
        out.onNext(result);
        out.onCompleted();
    }

    private Service find(String ref) {
        for (Service s : services.values()) {
            if (s.getId().equals(ref) || s.getSpec().getName().equals(ref) || (ref.length() >= 3 && s.getId().startsWith(ref))) {
                return s;
            }
        }
        throw Status.NOT_FOUND.withDescription("no such service: " + ref).asRuntimeException();
    }

    @Override
    public void createService(CreateServiceRequest request, StreamObserver<Service> out) {
        answer(out, request, () -> {
            ServiceSpec spec = request.getSpec();
            if (spec.getReplicas() < 0) {
                throw Status.INVALID_ARGUMENT.withDescription("replicas must be >= 0").asRuntimeException();
            }
            if (spec.getName().isEmpty()) {
                throw Status.INVALID_ARGUMENT.withDescription("a service name is required").asRuntimeException();
            }
            String id = String.format("%012x", 0x5e7000 + ++seq);
            String name = spec.getName();
            if (services.values().stream().anyMatch(s -> s.getSpec().getName().equals(name))) {
                throw Status.ALREADY_EXISTS.withDescription("service name \"" + name + "\" is already in use").asRuntimeException();
            }
            Service s = Service.newBuilder().setId(id).setSpec(spec).setVersion(1).setCreatedAtMs(clock++).build();
            services.put(id, s);
            return s;
        });
    }

    @Override
    public void listServices(ListServicesRequest request, StreamObserver<ListServicesResponse> out) {
        answer(out, request, () -> {
            ListServicesResponse.Builder b = ListServicesResponse.newBuilder();
            for (Service s : services.values()) {
                int running = (int) workloads.stream()
                        .filter(w -> w.getService().equals(s.getId()) && w.getState() == ContainerState.RUNNING).count();
                b.addServices(s.toBuilder().setRunning(running).setDesired(s.getSpec().getReplicas()));
            }
            return b.build();
        });
    }

    @Override
    public void inspectService(InspectServiceRequest request, StreamObserver<Service> out) {
        answer(out, request, () -> {
            Service s = find(request.getRef());
            UpdateStatus.State state = s.getUpdateStatus().getState();
            boolean inProgress = state == UpdateStatus.State.UPDATING || state == UpdateStatus.State.ROLLING_BACK;
            if (inProgress && --pollsLeft <= 0 && !script.isEmpty()) {
                pollsLeft = pollsPerUpdate;
                UpdateStatus next = script.pop();
                UpdateStatus.Builder u = s.getUpdateStatus().toBuilder().setState(next.getState()).setMessage(next.getMessage());
                if (next.getState() == UpdateStatus.State.COMPLETED || next.getState() == UpdateStatus.State.ROLLED_BACK) {
                    u.setCompletedAtMs(clock++);
                }
                s = s.toBuilder().setUpdateStatus(u).build();
                services.put(s.getId(), s);
            }
            return s;
        });
    }

    @Override
    public void updateService(UpdateServiceRequest request, StreamObserver<Service> out) {
        answer(out, request, () -> {
            Service s = find(request.getRef());
            if (request.getRollback() && !s.hasPreviousSpec()) {
                throw Status.FAILED_PRECONDITION.withDescription("service " + s.getSpec().getName()
                        + " has no previous spec to roll back to").asRuntimeException();
            }
            ServiceSpec next = request.getRollback() ? s.getPreviousSpec() : request.getSpec();
            Service.Builder b = s.toBuilder().setSpec(next).setUpdatedAtMs(clock++);
            if (!next.getTemplate().equals(s.getSpec().getTemplate())) {
                pollsLeft = pollsPerUpdate;
                script.clear();
                if (request.getRollback()) {
                    script.add(status(UpdateStatus.State.ROLLED_BACK, "rollback completed"));
                } else {
                    script.addAll(updateScript);
                }
                b.setPreviousSpec(s.getSpec()).setVersion(s.getVersion() + 1)
                        .setUpdateStatus(UpdateStatus.newBuilder()
                                .setState(request.getRollback() ? UpdateStatus.State.ROLLING_BACK : UpdateStatus.State.UPDATING)
                                .setMessage(request.getRollback() ? "manual rollback" : "update in progress")
                                .setStartedAtMs(clock++));
            }
            Service updated = b.build();
            services.put(s.getId(), updated);
            return updated;
        });
    }

    @Override
    public void scaleService(ScaleServiceRequest request, StreamObserver<Service> out) {
        answer(out, request, () -> {
            if (request.getReplicas() < 0) {
                throw Status.INVALID_ARGUMENT.withDescription("replicas must be >= 0").asRuntimeException();
            }
            Service s = find(request.getRef());
            Service scaled = s.toBuilder().setSpec(s.getSpec().toBuilder().setReplicas(request.getReplicas())).build();
            services.put(s.getId(), scaled);
            return scaled;
        });
    }

    @Override
    public void removeService(RemoveServiceRequest request, StreamObserver<RemoveServiceResponse> out) {
        answer(out, request, () -> {
            Service s = find(request.getRef());
            services.remove(s.getId());
            return RemoveServiceResponse.newBuilder().setId(s.getId()).build();
        });
    }

    @Override
    public void list(ListRequest request, StreamObserver<ListResponse> out) {
        answer(out, request, () -> {
            ListResponse.Builder b = ListResponse.newBuilder();
            for (Workload w : workloads) {
                boolean live = w.getState() != ContainerState.EXITED && w.getState() != ContainerState.FAILED;
                if ((request.getAll() || live) && (request.getService().isEmpty() || w.getService().equals(request.getService()))) {
                    b.addWorkloads(w);
                }
            }
            return b.build();
        });
    }

    @Override
    public void logs(LogsRequest request, StreamObserver<LogEntry> out) {
        List<LogEntry> entries;
        synchronized (this) {
            requests.add(request);
            entries = logs.get(request.getRef());
        }
        if (entries == null) {
            out.onError(Status.UNAVAILABLE.withDescription("node of " + request.getRef() + " is not connected").asRuntimeException());
            return;
        }
        int from = request.getTail() < 0 ? 0 : Math.max(0, entries.size() - request.getTail());
        entries.subList(from, entries.size()).forEach(out::onNext);
        out.onCompleted();
    }

    @Override
    public void listNodes(ListNodesRequest request, StreamObserver<ListNodesResponse> out) {
        answer(out, request, () -> ListNodesResponse.newBuilder().addAllNodes(nodes.values()).build());
    }

    @Override
    public void updateNode(UpdateNodeRequest request, StreamObserver<Node> out) {
        answer(out, request, () -> {
            Node n = nodes.get(request.getName());
            if (n == null) {
                throw Status.NOT_FOUND.withDescription("no such node: " + request.getName()).asRuntimeException();
            }
            Node.Builder b = n.toBuilder().putAllOperatorLabels(request.getLabelAddMap());
            request.getLabelRmList().forEach(b::removeOperatorLabels);
            if (request.getSetAvailability()) {
                b.setAvailability(request.getAvailability());
            }
            Map<String, String> effective = new LinkedHashMap<>(b.getAgentLabelsMap());
            effective.putAll(b.getOperatorLabelsMap());
            Node updated = b.clearLabels().putAllLabels(effective).build();
            nodes.put(updated.getName(), updated);
            return updated;
        });
    }

    // ---------------------------------------------------------------- lifecycle verbs (kill/start/restart/rename/rm)

    synchronized Workload addContainer(String name, ContainerState state) {
        Workload w = Workload.newBuilder().setId(String.format("%012x", 0xc0c000 + ++seq)).setNode("n1").setState(state)
                .setDesired(DesiredState.DESIRED_RUNNING).setSpec(io.gantry.proto.WorkloadSpec.newBuilder().setName(name).setImage("busybox"))
                .setCreatedAtMs(System.currentTimeMillis() - 60_000).setStartedAtMs(System.currentTimeMillis() - 30_000).build();
        workloads.add(w);
        return w;
    }

    private Workload findWorkload(String ref) {
        for (Workload w : workloads) {
            if (w.getId().equals(ref) || w.getSpec().getName().equals(ref)) {
                return w;
            }
        }
        throw Status.NOT_FOUND.withDescription("no such container: " + ref).asRuntimeException();
    }

    private void replace(Workload before, Workload after) {
        workloads.set(workloads.indexOf(before), after);
    }

    @Override
    public void kill(io.gantry.proto.KillRequest request, StreamObserver<io.gantry.proto.KillResponse> out) {
        answer(out, request, () -> {
            Workload w = findWorkload(request.getRef());
            if (w.getState() != ContainerState.RUNNING) {
                throw Status.FAILED_PRECONDITION.withDescription("container " + request.getRef() + " is not running").asRuntimeException();
            }
            return io.gantry.proto.KillResponse.newBuilder().setWorkload(w).build();
        });
    }

    @Override
    public void start(io.gantry.proto.StartRequest request, StreamObserver<io.gantry.proto.StartResponse> out) {
        answer(out, request, () -> {
            Workload w = findWorkload(request.getRef());
            Workload again = w.toBuilder().setState(ContainerState.RUNNING).setDesired(DesiredState.DESIRED_RUNNING).build();
            replace(w, again);
            return io.gantry.proto.StartResponse.newBuilder().setWorkload(again).build();
        });
    }

    @Override
    public void restart(io.gantry.proto.RestartRequest request, StreamObserver<io.gantry.proto.RestartResponse> out) {
        answer(out, request, () -> io.gantry.proto.RestartResponse.newBuilder().setWorkload(findWorkload(request.getRef())).build());
    }

    @Override
    public void rename(io.gantry.proto.RenameRequest request, StreamObserver<io.gantry.proto.RenameResponse> out) {
        answer(out, request, () -> {
            Workload w = findWorkload(request.getRef());
            if (workloads.stream().anyMatch(x -> x.getSpec().getName().equals(request.getNewName()))) {
                throw Status.ALREADY_EXISTS.withDescription("container name \"" + request.getNewName() + "\" is already in use")
                        .asRuntimeException();
            }
            Workload renamed = w.toBuilder().setSpec(w.getSpec().toBuilder().setName(request.getNewName())).build();
            replace(w, renamed);
            return io.gantry.proto.RenameResponse.newBuilder().setWorkload(renamed).build();
        });
    }

    @Override
    public void remove(io.gantry.proto.RemoveRequest request, StreamObserver<io.gantry.proto.RemoveResponse> out) {
        answer(out, request, () -> {
            Workload w = findWorkload(request.getRef());
            workloads.remove(w);
            return io.gantry.proto.RemoveResponse.newBuilder().setId(w.getId()).build();
        });
    }

    @Override
    public void pause(io.gantry.proto.PauseRequest request, StreamObserver<io.gantry.proto.PauseResponse> out) {
        answer(out, request, () -> {
            Workload w = findWorkload(request.getRef());
            if (w.getState() != ContainerState.RUNNING) {
                throw Status.FAILED_PRECONDITION.withDescription("container " + request.getRef() + " is not running").asRuntimeException();
            }
            Workload paused = w.toBuilder().setState(ContainerState.PAUSED).setDesired(DesiredState.DESIRED_PAUSED).build();
            replace(w, paused);
            return io.gantry.proto.PauseResponse.newBuilder().setWorkload(paused).build();
        });
    }

    @Override
    public void unpause(io.gantry.proto.UnpauseRequest request, StreamObserver<io.gantry.proto.UnpauseResponse> out) {
        answer(out, request, () -> {
            Workload w = findWorkload(request.getRef());
            if (w.getState() != ContainerState.PAUSED) {
                throw Status.FAILED_PRECONDITION.withDescription("container " + request.getRef() + " is not paused").asRuntimeException();
            }
            Workload running = w.toBuilder().setState(ContainerState.RUNNING).setDesired(DesiredState.DESIRED_RUNNING).build();
            replace(w, running);
            return io.gantry.proto.UnpauseResponse.newBuilder().setWorkload(running).build();
        });
    }
}
