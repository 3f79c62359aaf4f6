package io.gantry.scheduler.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.gantry.proto.CreateNetworkRequest;
import io.gantry.proto.Network;
import io.gantry.proto.NetworkAttachment;
import io.gantry.proto.Node;
import io.gantry.proto.Workload;
import io.gantry.proto.WorkloadSpec;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The leader's IPAM: subnets, VNIs and addresses, their errors, and rebuilding them from stored state. */
class NetworksTest {
    private static Network create(Networks n, String id, String name, String subnet) {
        var r = CreateNetworkRequest.newBuilder().setName(name);
        if (subnet != null) {
            r.setSubnet(subnet);
        }
        var net = n.create(r.build(), id, 0);
        n.added(net);
        return net;
    }

    private static Status.Code code(Runnable r) {
        return Status.fromThrowable(assertThrows(StatusRuntimeException.class, r::run)).getCode();
    }

    @Test
    void subnetsVnisAndAddressesAreUniqueAndErrorsAreOneLine() {
        var n = new Networks("10.42.0.0/16", "10.99.0.0/23");
        var a = create(n, "id-a", "a", null);
        var b = create(n, "id-b", "b", null);
        assertEquals("10.99.0.0/24", a.getSubnet());
        assertEquals("10.99.1.0/24", b.getSubnet());
        assertEquals("10.99.0.1", a.getGateway());
        assertNotEquals(a.getVni(), b.getVni());

        var exhausted = assertThrows(StatusRuntimeException.class, () -> n.create(CreateNetworkRequest.newBuilder().setName("c").build(), "id-c", 0));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, exhausted.getStatus().getCode());
        assertEquals(1, exhausted.getStatus().getDescription().lines().count());
        var overlap = assertThrows(StatusRuntimeException.class, () -> n.create(CreateNetworkRequest.newBuilder().setName("d")
                .setSubnet("10.99.0.128/25").build(), "id-d", 0));
        assertEquals(Status.Code.INVALID_ARGUMENT, overlap.getStatus().getCode());
        assertEquals(true, overlap.getStatus().getDescription().contains("overlap"), overlap.getStatus().getDescription());
        assertEquals(Status.Code.ALREADY_EXISTS, code(() -> n.create(CreateNetworkRequest.newBuilder().setName("a").build(), "id-e", 0)));
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> n.create(CreateNetworkRequest.newBuilder().setName("bridge").build(), "id-f", 0)));
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> n.create(CreateNetworkRequest.newBuilder().setName("x")
                .setSubnet("10.1.2.3/99").build(), "id-g", 0)));
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> n.create(CreateNetworkRequest.newBuilder().setName("y")
                .setDriver("macvlan").build(), "id-h", 0)));

        var spec = WorkloadSpec.newBuilder().addNetworks(NetworkAttachment.newBuilder().setNetwork("a").addAliases("db")).build();
        var e1 = n.join("w1", spec);
        var e2 = n.join("w2", spec);
        assertEquals("10.99.0.2", e1.getFirst().getIp());
        assertEquals("02:42:0a:63:00:02", e1.getFirst().getMac());
        assertNotEquals(e1.getFirst().getIp(), e2.getFirst().getIp());
        assertEquals(List.of("db"), e1.getFirst().getAliasesList());
        assertEquals(Status.Code.NOT_FOUND, code(() -> n.join("w3", WorkloadSpec.newBuilder()
                .addNetworks(NetworkAttachment.newBuilder().setNetwork("nope")).build())));

        // A new leader rebuilds everything from what is stored: the same addresses stay taken.
        var restored = new Networks("10.42.0.0/16", "10.99.0.0/23");
        restored.restore(List.of(a, b), List.of(Node.newBuilder().setName("n1").setSubnet("10.42.0.0/24").build()),
                List.of(Workload.newBuilder().setId("w1").addAllEndpoints(e1).build()));
        var again = restored.join("w9", spec);
        assertNotEquals(e1.getFirst().getIp(), again.getFirst().getIp());
        assertEquals("10.42.0.0/24", restored.nodeSubnet(Node.newBuilder().setName("n1").setSubnet("10.42.0.0/24").build()));
        assertEquals("10.42.1.0/24", restored.nodeSubnet(Node.newBuilder().setName("n2").build()));
    }
}
