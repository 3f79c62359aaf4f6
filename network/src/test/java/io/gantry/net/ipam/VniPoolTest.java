package io.gantry.net.ipam;

import io.gantry.net.NetworkException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class VniPoolTest {
    @Test
    void allocatesLowestFreeIdempotentlyAndRoundTrips() {
        VniPool p = new VniPool(4096, 4097);
        assertEquals(4096, p.allocate("a"));
        assertEquals(4097, p.allocate("b"));
        assertEquals(4096, p.allocate("a"));
        assertEquals("VNI range 4096-4097 is exhausted", assertThrows(NetworkException.class, () -> p.allocate("c")).getMessage());
        p.release("a");
        VniPool back = VniPool.restore(p.state());
        assertEquals(4096, back.allocate("c"));
        assertEquals(p.state().leases().get("b"), back.state().leases().get("b"));
    }
}
