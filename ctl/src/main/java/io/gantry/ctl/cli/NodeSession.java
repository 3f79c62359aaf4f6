package io.gantry.ctl.cli;

import io.gantry.proto.InspectRequest;
import io.gantry.proto.ListServicesRequest;
import io.gantry.proto.SessionExit;
import io.gantry.proto.SessionFrame;
import io.gantry.proto.SessionOpen;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

/**
 * One node session (exec, attach, cp, top, stats, image and volume operations) from the CLI: frames go to the
 * agent of the container's (or the named) node through the leader; the agent's frames reach {@code onFrame},
 * and its SessionExit ends the session.
 */
public final class NodeSession implements AutoCloseable {
    private final Context.CancellableContext context = Context.current().withCancellation();
    private final CompletableFuture<SessionExit> exit = new CompletableFuture<>();
    private final StreamObserver<SessionFrame> out;

    private NodeSession(SchedulerClient client, SessionOpen open, Consumer<SessionFrame> onFrame) {
        // Finding the leader first: a stream that already carried stdin cannot be retried elsewhere.
        var stub = client.leaderAsync(open.getContainer().isEmpty()
                ? s -> s.listServices(ListServicesRequest.getDefaultInstance())
                : s -> s.inspect(InspectRequest.newBuilder().setRef(open.getContainer()).build()));
        StreamObserver<SessionFrame> in = new StreamObserver<>() {
            @Override
            public void onNext(SessionFrame f) {
                if (f.hasExit()) {
                    exit.complete(f.getExit());
                } else {
                    onFrame.accept(f);
                }
            }

            @Override
            public void onError(Throwable t) {
                exit.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                exit.complete(SessionExit.newBuilder().setError("the session ended without an exit status")
                        .setStatusCode(Status.Code.UNKNOWN.value()).build());
            }
        };
        StreamObserver<SessionFrame>[] started = new StreamObserver[1];
        context.run(() -> started[0] = stub.session(in));
        this.out = started[0];
        send(SessionFrame.newBuilder().setOpen(open).build());
    }

    /** Opens a session; {@code onFrame} runs on a gRPC thread for every frame but the exit. */
    public static NodeSession open(SchedulerClient client, SessionOpen open, Consumer<SessionFrame> onFrame) {
        return new NodeSession(client, open, onFrame);
    }

    public synchronized void send(SessionFrame frame) {
        if (!exit.isDone()) {
            out.onNext(frame);
        }
    }

    public boolean isDone() {
        return exit.isDone();
    }

    /**
     * Waits for the agent's exit and returns its exit code; an error (the agent's or the scheduler's) becomes
     * a one-line CliException.
     */
    public int await() throws InterruptedException {
        SessionExit e;
        try {
            e = exit.get();
        } catch (ExecutionException ex) {
            if (ex.getCause() instanceof StatusRuntimeException sre) {
                throw new CliException(SchedulerClient.describe(sre));
            }
            throw new CliException(String.valueOf(ex.getCause().getMessage()));
        }
        if (!e.getError().isEmpty()) {
            throw new CliException(e.getError());
        }
        return e.getExitCode();
    }

    /** The exit as it came (for callers that report errors per node instead of failing). */
    public SessionExit awaitExit() throws InterruptedException {
        try {
            return exit.get();
        } catch (ExecutionException ex) {
            String message = ex.getCause() instanceof StatusRuntimeException sre ? SchedulerClient.describe(sre)
                    : String.valueOf(ex.getCause().getMessage());
            return SessionExit.newBuilder().setError(message).setStatusCode(Status.fromThrowable(ex.getCause()).getCode().value()).build();
        }
    }

    /** Ends the session from this side: the agent stops whatever it started for it. */
    @Override
    public void close() {
        context.cancel(null);
    }
}
