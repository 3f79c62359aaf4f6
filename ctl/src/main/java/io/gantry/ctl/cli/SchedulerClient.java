package io.gantry.ctl.cli;

import io.gantry.proto.ControlGrpc;
import io.gantry.scheduler.LeaderRedirect;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The CLI's connection to the cluster. It is given one or more scheduler addresses; it
 * tries them in order and follows a follower's pointer to the leader (status
 * FAILED_PRECONDITION with the {@code gantry-leader} trailer), so users never need to
 * know which scheduler leads.
 */
public final class SchedulerClient implements AutoCloseable {
    private static final int MAX_REDIRECTS = 4;
    /** A leader takeover waits for the old leader's ZooKeeper session to expire (10 s by default). */
    private static final long TAKEOVER_WAIT_MILLIS = 30_000;

    private final List<String> addresses;
    private final Map<String, ManagedChannel> channels = new LinkedHashMap<>();
    // volatile + synchronized channel(): `service logs` streams from several threads at once
    private volatile String preferred;

    public SchedulerClient(List<String> addresses) {
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("no scheduler address given");
        }
        this.addresses = List.copyOf(addresses);
    }

    /** Parses a GANTRY_ADDR-style value: {@code host:port[,host:port...]}. */
    public static List<String> parseAddresses(String value) {
        List<String> out = new ArrayList<>();
        for (String part : value.split(",")) {
            String a = part.strip();
            if (a.isEmpty()) {
                continue;
            }
            int colon = a.lastIndexOf(':');
            if (colon <= 0 || colon == a.length() - 1) {
                throw new IllegalArgumentException("invalid scheduler address \"" + a + "\": expected HOST:PORT");
            }
            try {
                int port = Integer.parseInt(a.substring(colon + 1));
                if (port < 1 || port > 65535) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("invalid scheduler address \"" + a + "\": bad port");
            }
            out.add(a);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no scheduler address given");
        }
        return out;
    }

    /**
     * Runs {@code call} against the leader. For server-streaming calls, the function
     * should pull the first element (or otherwise force the call to start) so that a
     * redirect surfaces here.
     */
    public <T> T call(Function<ControlGrpc.ControlBlockingStub, T> call) {
        long deadline = System.nanoTime() + TAKEOVER_WAIT_MILLIS * 1_000_000;
        long pause = 50; // short: a takeover takes about the ZooKeeper session timeout (1 s by default)
        while (true) {
            try {
                return callOnce(call);
            } catch (StatusRuntimeException e) {
                if (!LeaderRedirect.leaderPending(e) || System.nanoTime() > deadline) {
                    throw e;
                }
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliException("interrupted while waiting for a scheduler to lead");
            }
            pause = Math.min(250, pause * 2);
        }
    }

    private <T> T callOnce(Function<ControlGrpc.ControlBlockingStub, T> call) {
        List<String> order = new ArrayList<>();
        if (preferred != null) {
            order.add(preferred);
        }
        for (String a : addresses) {
            if (!order.contains(a)) {
                order.add(a);
            }
        }
        StatusRuntimeException last = null;
        int redirects = 0;
        String redirectedTo = null;
        for (int i = 0; i < order.size(); i++) {
            String address = order.get(i);
            try {
                T result = call.apply(ControlGrpc.newBlockingStub(channel(address)));
                preferred = address;
                return result;
            } catch (StatusRuntimeException e) {
                Optional<String> leader = LeaderRedirect.leaderFrom(e);
                if (leader.isPresent() && redirects < MAX_REDIRECTS && !leader.get().equals(address)) {
                    redirects++;
                    redirectedTo = leader.get();
                    order.add(i + 1, leader.get());
                    last = e;
                    continue;
                }
                if (e.getStatus().getCode() == Status.Code.UNAVAILABLE && isConnectFailure(e)) {
                    last = e;
                    continue;
                }
                throw e;
            }
        }
        if (redirects > 0 && last != null && last.getStatus().getCode() == Status.Code.UNAVAILABLE) {
            // A follower named a leader we cannot reach: it just died, and the others still name it until its
            // ZooKeeper session expires. That is a takeover in progress, which call() waits through.
            throw Status.UNAVAILABLE.withDescription("the leader " + redirectedTo
                    + " does not answer" + io.gantry.proto.LeaderTrailer.LEADER_PENDING_SUFFIX).asRuntimeException();
        }
        throw new CliException(unreachableMessage(last));
    }

    private String unreachableMessage(StatusRuntimeException last) {
        String tried = String.join(", ", addresses);
        if (last != null && last.getStatus().getCode() == Status.Code.FAILED_PRECONDITION) {
            return "no scheduler leads the cluster right now (tried " + tried + "): " + last.getStatus().getDescription();
        }
        return "cannot reach the scheduler at " + tried + " (is `gantry dev` running? set --addr or GANTRY_ADDR)";
    }

    /** A connection failure (as opposed to an UNAVAILABLE the server chose to return). */
    private static boolean isConnectFailure(StatusRuntimeException e) {
        String d = e.getStatus().getDescription();
        return e.getStatus().getCause() != null
                || d == null
                || d.contains("io exception")
                || d.contains("Connection refused")
                || d.contains("Network closed")
                || d.contains("UNAVAILABLE");
    }

    /**
     * An async stub on the leader, for streaming calls that cannot be retried once started (node sessions,
     * events): {@code probe} is a cheap unary call made first through {@link #call}, which finds the leader.
     */
    public ControlGrpc.ControlStub leaderAsync(Function<ControlGrpc.ControlBlockingStub, ?> probe) {
        call(probe);
        return ControlGrpc.newStub(channel(preferred != null ? preferred : addresses.getFirst()));
    }

    private synchronized ManagedChannel channel(String address) {
        return channels.computeIfAbsent(address, a -> {
            int colon = a.lastIndexOf(':');
            return NettyChannelBuilder.forAddress(a.substring(0, colon), Integer.parseInt(a.substring(colon + 1)))
                    .usePlaintext()
                    .maxInboundMessageSize(64 * 1024 * 1024)
                    .build();
        });
    }

    @Override
    public synchronized void close() {
        for (ManagedChannel c : channels.values()) {
            c.shutdownNow();
        }
        for (ManagedChannel c : channels.values()) {
            try {
                c.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Turns a server error into the one line a user sees. */
    public static String describe(StatusRuntimeException e) {
        String d = e.getStatus().getDescription();
        return d == null || d.isBlank() ? e.getStatus().getCode().toString().toLowerCase().replace('_', ' ') : d;
    }
}
