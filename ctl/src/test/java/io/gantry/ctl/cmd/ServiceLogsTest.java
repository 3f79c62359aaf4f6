package io.gantry.ctl.cmd;

import com.google.protobuf.ByteString;
import io.gantry.proto.ContainerState;
import io.gantry.proto.LogEntry;
import io.gantry.proto.LogsRequest;
import io.gantry.proto.Service;
import io.gantry.proto.Workload;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code service logs}: every replica read, lines prefixed Docker's way and merged by time. */
class ServiceLogsTest {
    private static final long T0 = 1_700_000_000_000_000_000L;
    private Cli cli;
    private Service web;
    private Workload r1;
    private Workload r2;

    @BeforeEach
    void start() throws Exception {
        cli = new Cli();
        cli.control.createService(io.gantry.proto.CreateServiceRequest.newBuilder().setSpec(io.gantry.proto.ServiceSpec.newBuilder()
                .setName("web").setReplicas(2).setTemplate(io.gantry.proto.WorkloadSpec.newBuilder().setImage("busybox"))).build(),
                new io.grpc.stub.StreamObserver<>() {
                    public void onNext(Service s) {
                        web = s;
                    }

                    public void onError(Throwable t) {
                    }

                    public void onCompleted() {
                    }
                });
        r1 = cli.control.addReplica(web, 1, "node-a", ContainerState.RUNNING);
        r2 = cli.control.addReplica(web, 2, "n2", ContainerState.EXITED);
        cli.control.addReplica(web, 3, "", ContainerState.PENDING); // never placed: no logs, not asked
        cli.control.logs.put(r1.getId(), List.of(entry(1, "one", false, false), entry(3, "three", false, false),
                entry(5, "par", false, true), entry(6, "tial", false, false)));
        cli.control.logs.put(r2.getId(), List.of(entry(2, "two", false, false), entry(4, "oops", true, false), entry(7, "", false, false)));
    }

    @AfterEach
    void stop() throws Exception {
        cli.close();
    }

    private static LogEntry entry(int second, String line, boolean stderr, boolean partial) {
        return LogEntry.newBuilder().setTimestampNanos(T0 + second * 1_000_000_000L).setLine(ByteString.copyFromUtf8(line))
                .setStream(stderr ? LogEntry.Stream.STDERR : LogEntry.Stream.STDOUT).setPartial(partial).build();
    }

    @Test
    void linesArePrefixedAndMergedByTime() {
        Cli.Result r = cli.run("service", "logs", "web");
        assertThat(r.exit()).as(r.toString()).isZero();
        String p1 = "web.1." + r1.getId() + "@node-a    | ";
        String p2 = "web.2." + r2.getId() + "@n2        | ";
        assertThat(r.out()).isEqualTo(p1 + "one\n" + p2 + "two\n" + p1 + "three\n" + p1 + "partial\n" + p2 + "\n");
        assertThat(r.err()).isEqualTo(p2 + "oops\n");
        assertThat(cli.control.requests(LogsRequest.class)).extracting(LogsRequest::getRef)
                .containsExactlyInAnyOrder(r1.getId(), r2.getId());
    }

    @Test
    void tailAndTimestampsAndFollow() {
        Cli.Result r = cli.run("service", "logs", "--tail", "1", "-t", "-f", "web");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(cli.control.requests(LogsRequest.class)).allSatisfy(q -> {
            assertThat(q.getTail()).isEqualTo(1);
            assertThat(q.getFollow()).isTrue();
        });
        // followed lines come as they arrive: only each line's integrity is certain
        List<String> lines = new ArrayList<>(r.out().lines().toList());
        assertThat(lines).hasSize(2).allMatch(l -> l.startsWith("2023-11-14T22:13:2"));
        assertThat(lines).anyMatch(l -> l.endsWith("@node-a    | tial")).anyMatch(l -> l.endsWith("@n2        | "));
    }

    @Test
    void aReplicaThatCannotBeReadIsReportedAndTheOthersStillPrint() {
        cli.control.logs.remove(r2.getId());
        Cli.Result r = cli.run("service", "logs", "web");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("| one").contains("| partial");
        assertThat(r.err()).isEqualTo("gantry: web.2." + r2.getId() + "@n2: node of " + r2.getId() + " is not connected\n"
                + "gantry: could not read the logs of 1 of 2 replicas\n");
    }

    @Test
    void badTailAndMissingServiceAreOneLine() {
        Cli.Result tail = cli.run("service", "logs", "--tail", "lots", "web");
        assertThat(tail.exit()).isEqualTo(125);
        assertThat(tail.err()).isEqualTo("gantry: invalid argument \"lots\" for \"--tail\": expected a number or \"all\"\n");
        Cli.Result missing = cli.run("service", "logs", "nope");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).isEqualTo("gantry: no such service: nope\n");
    }
}
