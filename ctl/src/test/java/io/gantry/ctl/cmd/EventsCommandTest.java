package io.gantry.ctl.cmd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.gantry.proto.ControlGrpc;
import io.gantry.proto.Event;
import io.gantry.proto.EventsRequest;
import io.gantry.proto.ListServicesRequest;
import io.gantry.proto.ListServicesResponse;
import io.gantry.proto.RunRequest;
import io.gantry.proto.WorkloadSpec;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** gantry events against a real scheduler (history, live, filters, formats) and a fake one that loses leadership. */
class EventsCommandTest {
    private static final String LINE = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z [a-z]+ [a-z_]+ \\S+( \\(.*\\))?";
    private static NodeCli cli;

    @BeforeAll
    static void start() throws Exception {
        cli = new NodeCli("node-1");
    }

    @AfterAll
    static void stop() throws Exception {
        cli.close();
    }

    @Test
    void pastEventsAsDockerLines() {
        var r = cli.run("events", "--since", "1h", "--until", "0s");
        assertThat(r.exit()).as(r.toString()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines).isNotEmpty().allMatch(l -> l.matches(LINE), "Docker's event line");
        assertThat(lines).anyMatch(l -> l.contains(" scheduler leader_elected "))
                .anyMatch(l -> l.matches(".* node up node-1 \\(.*node=node-1.*\\)"));

        var nodes = cli.run("events", "--since", "1h", "--until", "0s", "--filter", "type=node");
        assertThat(nodes.out().lines().toList()).isNotEmpty().allMatch(l -> l.contains(" node "));
    }

    @Test
    void jsonIsOneObjectPerLine() throws Exception {
        var r = cli.run("events", "--since", "1h", "--until", "0s", "--filter", "type=node", "--format", "json");
        assertThat(r.exit()).as(r.toString()).isZero();
        var mapper = new ObjectMapper();
        for (String line : r.out().lines().toList()) {
            var json = mapper.readTree(line);
            assertThat(json.get("Type").asText()).isEqualTo("node");
            assertThat(json.get("Actor").get("ID").asText()).isEqualTo("node-1");
            assertThat(json.get("timeNano").asLong()).isGreaterThan(0);
        }
        assertThat(r.out().lines()).isNotEmpty();
    }

    @Test
    void followsLiveEventsUntilAFutureUntil() throws Exception {
        long until = System.currentTimeMillis() + 4000;
        var result = CompletableFuture.supplyAsync(() -> cli.run("events", "--filter", "type=container",
                "--filter", "event=created", "--until", String.format("%d.%03d", until / 1000, until % 1000)));
        ManagedChannel ch = NettyChannelBuilder.forTarget(cli.server.address()).usePlaintext().build();
        try {
            Thread.sleep(1000);
            ControlGrpc.newBlockingStub(ch).run(RunRequest.newBuilder().setSpec(WorkloadSpec.newBuilder().setName("live").setImage("busybox")).build());
        } finally {
            ch.shutdownNow();
        }
        var r = result.get(15, TimeUnit.SECONDS);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(System.currentTimeMillis()).isGreaterThanOrEqualTo(until);
        assertThat(r.out().lines().toList()).singleElement().matches(l -> l.matches(LINE) && l.contains(" container created ")
                && l.contains("name=live"), "one created line");
    }

    @Test
    void badInputIsAUsageError() {
        var filter = cli.run("events", "--filter", "type=volcano");
        assertThat(filter.exit()).isEqualTo(125);
        assertThat(filter.err()).isEqualTo("gantry: invalid filter \"type=volcano\": type must be container, node, service or scheduler\n");
        assertThat(cli.run("events", "--filter", "colour=red").exit()).isEqualTo(125);
        assertThat(cli.run("events", "--filter", "type").exit()).isEqualTo(125);
        var since = cli.run("events", "--since", "yesterday");
        assertThat(since.exit()).isEqualTo(125);
        assertThat(since.err()).startsWith("gantry: invalid argument \"yesterday\" for \"--since\"").hasLineCount(1);
        assertThat(cli.run("events", "--format", "table").exit()).isEqualTo(125);
        assertThat(cli.run("events", "--since", "1m", "--until", "2h").err()).isEqualTo("gantry: --since must not be after --until\n");
    }

    @Test
    void theLineFormat() {
        var e = Event.newBuilder().setTimeNanos(1_795_881_600_000_000_123L).setType("container").setAction("died")
                .setId("3f2a9c").setName("web").setNode("node-1").putAttributes("exitCode", "3").build();
        assertThat(EventFormat.line(e)).isEqualTo("2026-11-28T16:00:00.000000123Z container died 3f2a9c (exitCode=3, name=web, node=node-1)");
        assertThat(EventFormat.line(Event.newBuilder().setTimeNanos(0).setType("scheduler").setAction("leader_elected").setId("s1").build()))
                .isEqualTo("1970-01-01T00:00:00.000000000Z scheduler leader_elected s1");
        assertThat(EventFormat.json(e)).isEqualTo("{\"Type\":\"container\",\"Action\":\"died\",\"Actor\":{\"ID\":\"3f2a9c\","
                + "\"Attributes\":{\"exitCode\":\"3\",\"name\":\"web\",\"node\":\"node-1\"}},\"time\":1795881600,\"timeNano\":1795881600000000123}");
    }

    /** A leader that ends the stream as a stepping-down one does, then (as the new leader) remembers on. */
    static final class SteppingDownControl extends ControlGrpc.ControlImplBase {
        final List<EventsRequest> requests = new CopyOnWriteArrayList<>();
        final long base = System.currentTimeMillis() * 1_000_000L;

        Event event(int i, String action) {
            return Event.newBuilder().setTimeNanos(base + i).setType("container").setAction(action).setId("c" + i).build();
        }

        @Override
        public void listServices(ListServicesRequest request, StreamObserver<ListServicesResponse> out) {
            out.onNext(ListServicesResponse.getDefaultInstance());
            out.onCompleted();
        }

        @Override
        public void events(EventsRequest request, StreamObserver<Event> out) {
            requests.add(request);
            switch (requests.size()) {
                case 1 -> {
                    out.onNext(event(1, "created"));
                    out.onError(Status.UNAVAILABLE.withDescription("scheduler lost leadership; reconnect to the leader").asRuntimeException());
                }
                case 2 -> {
                    out.onNext(event(1, "created"));
                    out.onNext(event(2, "started"));
                    out.onCompleted(); // a term ends so too
                }
                default -> out.onNext(event(3, "died")); // and stays open
            }
        }
    }

    @Test
    void whenLeadershipMovesItFollowsOnFromTheLastEvent() throws Exception {
        var control = new SteppingDownControl();
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(control).build().start();
        try {
            long until = System.currentTimeMillis() + 2500;
            var r = NodeCli.execute(NodeCli.commandLine(), "--addr", "127.0.0.1:" + server.getPort(), "events",
                    "--until", String.format("%d.%03d", until / 1000, until % 1000));
            assertThat(r.exit()).as(r.toString()).isZero();
            assertThat(r.out().lines().map(l -> l.split(" ")[2] + " " + l.split(" ")[3]).toList())
                    .containsExactly("created c1", "started c2", "died c3");
            assertThat(control.requests).hasSize(3);
            assertThat(control.requests.get(0).getSinceNanos()).isZero();
            assertThat(control.requests.get(1).getSinceNanos()).isEqualTo(control.base + 1);
            assertThat(control.requests.get(2).getSinceNanos()).isEqualTo(control.base + 2);
            assertThat(control.requests).allMatch(q -> q.getUntilNanos() == 0);
        } finally {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
