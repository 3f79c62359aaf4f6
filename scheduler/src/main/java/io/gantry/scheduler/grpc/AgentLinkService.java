package io.gantry.scheduler.grpc;

import io.gantry.proto.AgentLinkGrpc;
import io.gantry.proto.AgentMessage;
import io.gantry.proto.SchedulerMessage;
import io.gantry.scheduler.core.AgentSession;
import io.gantry.scheduler.core.SchedulerCore;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One stream per agent: Register first, then heartbeats, statuses and log chunks. */
public final class AgentLinkService extends AgentLinkGrpc.AgentLinkImplBase {
    private static final Logger log = LoggerFactory.getLogger(AgentLinkService.class);
    private final LeaderView leader;

    public AgentLinkService(LeaderView leader) {
        this.leader = leader;
    }

    @Override
    public StreamObserver<AgentMessage> connect(StreamObserver<SchedulerMessage> out) {
        return new Connection(out);
    }

    private final class Connection implements StreamObserver<AgentMessage> {
        private final StreamObserver<SchedulerMessage> out;
        private SchedulerCore core;
        private AgentSession session;
        private boolean failed;

        Connection(StreamObserver<SchedulerMessage> out) {
            this.out = out;
        }

        @Override
        public void onNext(AgentMessage message) {
            if (failed) {
                return;
            }
            try {
                if (session == null) {
                    if (!message.hasRegister()) {
                        fail(Status.INVALID_ARGUMENT.withDescription("the first message on AgentLink.Connect must be Register")
                                .asRuntimeException());
                        return;
                    }
                    core = leader.core().orElseThrow(leader::notLeader);
                    session = core.register(message.getRegister(), out);
                    return;
                }
                switch (message.getBodyCase()) {
                    case HEARTBEAT -> core.heartbeat(session);
                    case STATUS -> core.status(session, message.getStatus());
                    case LOG_CHUNK -> core.logChunk(session, message.getLogChunk());
                    case SESSION -> core.sessionFrame(session, message.getSession());
                    case REGISTER -> fail(Status.INVALID_ARGUMENT.withDescription(
                            "already registered as " + session.nodeName() + "; open a new stream to register again")
                            .asRuntimeException());
                    case BODY_NOT_SET -> { }
                }
            } catch (RuntimeException e) {
                fail(Errors.toStatus(e));
            }
        }

        private void fail(RuntimeException e) {
            failed = true;
            if (session != null) {
                core.disconnected(session);
            }
            try {
                out.onError(e);
            } catch (RuntimeException ignored) {
                // already closed
            }
        }

        @Override
        public void onError(Throwable t) {
            log.debug("agent stream failed: {}", t.toString());
            ended();
        }

        @Override
        public void onCompleted() {
            ended();
            try {
                out.onCompleted();
            } catch (RuntimeException ignored) {
                // already closed by us
            }
        }

        private void ended() {
            if (session != null && !failed) {
                try {
                    core.disconnected(session);
                } catch (RuntimeException e) {
                    log.warn("could not mark node {} down: {}", session.nodeName(), e.getMessage());
                }
            }
        }
    }
}
