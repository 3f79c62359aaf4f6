package io.gantry.scheduler;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gantry.proto.Constraint;
import io.gantry.proto.ContainerState;
import io.gantry.proto.ControlGrpc;
import io.gantry.proto.CreateServiceRequest;
import io.gantry.proto.DesiredState;
import io.gantry.proto.InspectServiceRequest;
import io.gantry.proto.ListNodesRequest;
import io.gantry.proto.ListRequest;
import io.gantry.proto.Node;
import io.gantry.proto.RemoveServiceRequest;
import io.gantry.proto.ScaleServiceRequest;
import io.gantry.proto.Service;
import io.gantry.proto.ServiceSpec;
import io.gantry.proto.UpdateConfig;
import io.gantry.proto.UpdateNodeRequest;
import io.gantry.proto.UpdateServiceRequest;
import io.gantry.proto.UpdateStatus;
import io.gantry.proto.Workload;
import io.gantry.proto.WorkloadSpec;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Services end to end through a real scheduler and ZooKeeper, with well-behaved fake agents. */
class ServiceFlowTest {
    private static final long GiB = 1L << 30;
    private static final Duration T = Duration.ofSeconds(30);
    private Cluster cluster;
    private MutableClock clock;
    private SchedulerServer server;
    private ControlGrpc.ControlBlockingStub control;
    private final List<AutoAgent> agents = new ArrayList<>();
    private Thread ticker;
    private volatile boolean ticking = true;

    @BeforeEach
    void start() throws Exception {
        cluster = new Cluster();
        clock = new MutableClock(1_700_000_000_000L);
        server = cluster.startLeader(clock);
        control = cluster.control(server.address());
        // Scheduler time runs 4x faster than real time, so monitor periods pass quickly; agents heartbeat often.
        ticker = Thread.ofPlatform().daemon().start(() -> {
            while (ticking) {
                try {
                    Thread.sleep(25);
                } catch (InterruptedException e) {
                    return;
                }
                clock.advance(Duration.ofMillis(100));
            }
        });
    }

    @AfterEach
    void stop() throws Exception {
        ticking = false;
        ticker.join();
        for (var a : agents) {
            a.close();
        }
        cluster.close();
    }

    private AutoAgent agent(String name, Map<String, String> labels) {
        var fake = cluster.agent(server.address(), name);
        fake.send(io.gantry.proto.AgentMessage.newBuilder().setRegister(io.gantry.proto.Register.newBuilder()
                .setNodeName(name).setAddress("127.0.0.1:0").setCpuMillis(4000).setMemoryBytes(8 * GiB)
                .putAllLabels(labels).setAgentVersion("auto")).build());
        var a = new AutoAgent(fake);
        agents.add(a);
        await().atMost(T).until(() -> nodes().stream().anyMatch(n -> n.getName().equals(name) && n.getStatus() == Node.Status.READY));
        return a;
    }

    private List<Node> nodes() {
        return control.listNodes(ListNodesRequest.getDefaultInstance()).getNodesList();
    }

    private static ServiceSpec.Builder service(String name, int replicas) {
        return ServiceSpec.newBuilder().setName(name).setReplicas(replicas)
                .setTemplate(WorkloadSpec.newBuilder().setImage("busybox").addCommand("sleep").addCommand("1000"))
                .setUpdate(UpdateConfig.newBuilder().setParallelism(1).setMonitorMs(500));
    }

    private Service create(ServiceSpec.Builder spec) {
        return control.createService(CreateServiceRequest.newBuilder().setSpec(spec).build());
    }

    private Service inspect(String name) {
        return control.inspectService(InspectServiceRequest.newBuilder().setRef(name).build());
    }

    private List<Workload> replicas(String service) {
        return control.list(ListRequest.newBuilder().setService(service).build()).getWorkloadsList().stream()
                .filter(w -> w.getDesired() == DesiredState.DESIRED_RUNNING).toList();
    }

    private Map<String, Long> perNode(String service) {
        return replicas(service).stream().collect(Collectors.groupingBy(Workload::getNode, TreeMap::new, Collectors.counting()));
    }

    private void awaitRunning(String service, int n) {
        await().atMost(T).until(() -> inspect(service).getRunning() == n && replicas(service).size() == n);
    }

    @Test
    void replicasSpreadOverNodesAndScale() {
        agent("n1", Map.of());
        agent("n2", Map.of());
        agent("n3", Map.of());
        var sv = create(service("web", 6));
        assertEquals(6, sv.getDesired());
        awaitRunning("web", 6);
        assertEquals(Map.of("n1", 2L, "n2", 2L, "n3", 2L), perNode("web"));
        var names = replicas("web").stream().map(w -> w.getSlot()).sorted().toList();
        assertEquals(List.of(1, 2, 3, 4, 5, 6), names);
        assertTrue(replicas("web").getFirst().getSpec().getName().startsWith("web."));

        control.scaleService(ScaleServiceRequest.newBuilder().setRef("web").setReplicas(2).build());
        awaitRunning("web", 2);
        assertEquals(List.of(1, 2), replicas("web").stream().map(Workload::getSlot).sorted().toList());
        control.scaleService(ScaleServiceRequest.newBuilder().setRef("web").setReplicas(4).build());
        awaitRunning("web", 4);

        control.removeService(RemoveServiceRequest.newBuilder().setRef("web").build());
        await().atMost(T).until(() -> control.list(ListRequest.newBuilder().setAll(true).build()).getWorkloadsCount() == 0);
        assertTrue(agents.stream().allMatch(a -> a.running.isEmpty()));
    }

    @Test
    void badServiceRequestsAreOneLineErrors() {
        agent("n1", Map.of());
        var e = assertThrows(StatusRuntimeException.class,
                () -> control.scaleService(ScaleServiceRequest.newBuilder().setRef("nope").setReplicas(1).build()));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
        assertEquals("no such service: nope", e.getStatus().getDescription());
        create(service("api", 1));
        e = assertThrows(StatusRuntimeException.class,
                () -> control.scaleService(ScaleServiceRequest.newBuilder().setRef("api").setReplicas(-1).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        e = assertThrows(StatusRuntimeException.class, () -> create(service("api", 1)));
        assertEquals(Status.Code.ALREADY_EXISTS, e.getStatus().getCode());
        e = assertThrows(StatusRuntimeException.class, () -> create(service("bad", -2)));
        assertEquals("invalid replicas value -2: must be 0 or more", e.getStatus().getDescription());
        e = assertThrows(StatusRuntimeException.class,
                () -> control.updateNode(UpdateNodeRequest.newBuilder().setName("ghost").setSetAvailability(true)
                        .setAvailability(Node.Availability.DRAIN).build()));
        assertEquals("no such node: ghost", e.getStatus().getDescription());
        e = assertThrows(StatusRuntimeException.class, () -> control.updateService(UpdateServiceRequest.newBuilder()
                .setRef("api").setRollback(true).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
    }

    @Test
    void aDownNodesReplicasArePlacedElsewhereAndNotGivenBack() throws Exception {
        var a = agent("n1", Map.of());
        agent("n2", Map.of());
        create(service("web", 4));
        awaitRunning("web", 4);
        var onN1 = replicas("web").stream().filter(w -> w.getNode().equals("n1")).map(Workload::getId).toList();
        assertEquals(2, onN1.size());

        a.close(); // the node dies; 5 s of scheduler time later it is down and its replicas move
        await().atMost(T).until(() -> perNode("web").equals(Map.of("n2", 4L)));
        awaitRunning("web", 4);
        assertEquals(Node.Status.DOWN, nodes().stream().filter(n -> n.getName().equals("n1")).findFirst().orElseThrow().getStatus());

        // n1 comes back still running the old copies: they are not its any more, so it drops them.
        var back = new AutoAgent(cluster.agent(server.address(), "n1").register(4000, 8 * GiB,
                onN1.stream().map(id -> io.gantry.proto.ContainerStatus.newBuilder().setWorkloadId(id)
                        .setState(ContainerState.RUNNING).setPlacementVersion(1).build()).toArray(io.gantry.proto.ContainerStatus[]::new)));
        agents.add(back);
        await().atMost(T).until(() -> nodes().stream().allMatch(n -> n.getStatus() == Node.Status.READY));
        Thread.sleep(500);
        assertTrue(back.running.isEmpty(), "no duplicate replicas: " + back.running);
        assertEquals(4, replicas("web").size());
    }

    @Test
    void drainMovesWorkloadsAwayAndActivateAllowsThemBack() {
        agent("n1", Map.of());
        agent("n2", Map.of());
        create(service("web", 4));
        awaitRunning("web", 4);
        control.updateNode(UpdateNodeRequest.newBuilder().setName("n1").setSetAvailability(true)
                .setAvailability(Node.Availability.DRAIN).build());
        await().atMost(T).until(() -> perNode("web").equals(Map.of("n2", 4L)));
        awaitRunning("web", 4);
        control.scaleService(ScaleServiceRequest.newBuilder().setRef("web").setReplicas(6).build());
        awaitRunning("web", 6);
        assertEquals(Map.of("n2", 6L), perNode("web"), "nothing new on a draining node");

        control.updateNode(UpdateNodeRequest.newBuilder().setName("n1").setSetAvailability(true)
                .setAvailability(Node.Availability.ACTIVE).putLabelAdd("zone", "a").build());
        var n1 = nodes().stream().filter(n -> n.getName().equals("n1")).findFirst().orElseThrow();
        assertEquals("a", n1.getLabelsMap().get("zone"));
        assertEquals(Node.Availability.ACTIVE, n1.getAvailability());
        control.scaleService(ScaleServiceRequest.newBuilder().setRef("web").setReplicas(8).build());
        awaitRunning("web", 8);
        assertEquals(2L, perNode("web").get("n1"));
    }

    @Test
    void constraintsAreRespectedAndAnImpossibleOneWaitsWithReasons() {
        agent("n1", Map.of("zone", "a"));
        agent("n2", Map.of("zone", "b"));
        agent("n3", Map.of("zone", "b"));
        create(service("db", 4).setTemplate(service("db", 4).getTemplate().toBuilder().addConstraints(
                Constraint.newBuilder().setAttribute("node.labels.zone").setOp(Constraint.Op.EQ).setValue("b")
                        .setText("node.labels.zone==b"))));
        awaitRunning("db", 4);
        assertEquals(Map.of("n2", 2L, "n3", 2L), perNode("db"));

        create(service("nowhere", 1).setTemplate(service("x", 1).getTemplate().toBuilder().addConstraints(
                Constraint.newBuilder().setAttribute("node.labels.zone").setOp(Constraint.Op.EQ).setValue("mars")
                        .setText("node.labels.zone==mars"))));
        await().atMost(T).until(() -> replicas("nowhere").size() == 1 && replicas("nowhere").getFirst().getRejectionsCount() == 3);
        var pending = replicas("nowhere").getFirst();
        assertEquals(ContainerState.PENDING, pending.getState());
        assertTrue(pending.getReason().startsWith("0/3 nodes"), pending.getReason());
        assertTrue(pending.getRejectionsList().stream().allMatch(r -> r.getReason().contains("node.labels.zone==mars")),
                pending.getRejectionsList().toString());
    }

    @Test
    void rollingUpdateReplacesEveryReplica() {
        agent("n1", Map.of());
        agent("n2", Map.of());
        var sv = create(service("web", 3));
        awaitRunning("web", 3);
        var spec = sv.getSpec().toBuilder().setTemplate(sv.getSpec().getTemplate().toBuilder().setImage("busybox:v2")).build();
        var updating = control.updateService(UpdateServiceRequest.newBuilder().setRef("web").setSpec(spec).build());
        assertEquals(UpdateStatus.State.UPDATING, updating.getUpdateStatus().getState());
        await().atMost(T).until(() -> inspect("web").getUpdateStatus().getState() == UpdateStatus.State.COMPLETED);
        awaitRunning("web", 3);
        assertTrue(replicas("web").stream().allMatch(w -> w.getSpec().getImage().equals("busybox:v2")));
        assertEquals(2, inspect("web").getVersion());
    }

    @Test
    void anUpdateToAMissingImageRollsBack() {
        agent("n1", Map.of());
        agent("n2", Map.of());
        var sv = create(service("web", 3));
        awaitRunning("web", 3);
        var spec = sv.getSpec().toBuilder().setTemplate(sv.getSpec().getTemplate().toBuilder().setImage("missing:1")).build();
        control.updateService(UpdateServiceRequest.newBuilder().setRef("web").setSpec(spec).build());
        await().atMost(T).until(() -> inspect("web").getUpdateStatus().getState() == UpdateStatus.State.ROLLED_BACK);
        awaitRunning("web", 3);
        var after = inspect("web");
        assertEquals("busybox", after.getSpec().getTemplate().getImage());
        assertTrue(replicas("web").stream().allMatch(w -> w.getSpec().getImage().equals("busybox")));
        assertTrue(after.getUpdateStatus().getMessage().startsWith("update rolled back: replica web.")
                && after.getUpdateStatus().getMessage().contains("manifest unknown"), after.getUpdateStatus().getMessage());
    }
}
