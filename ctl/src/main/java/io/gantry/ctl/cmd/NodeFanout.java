package io.gantry.ctl.cmd;

import io.gantry.ctl.Main;
import io.gantry.ctl.cli.CliException;
import io.gantry.ctl.cli.NodeSession;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.proto.ListNodesRequest;
import io.gantry.proto.Node;
import io.gantry.proto.SessionExit;
import io.gantry.proto.SessionFrame;
import io.gantry.proto.SessionOpen;
import picocli.CommandLine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Image and volume commands act on nodes, which are separate machines: one node session per target node, all
 * open at once, each node's frames and exit kept apart so a failing node is reported on its own line.
 */
final class NodeFanout {
    private NodeFanout() {
    }

    /** One node's answer: its frames (in order) and how its session ended. */
    record NodeResult(String node, List<SessionFrame> frames, SessionExit exit) {
        boolean ok() {
            return exit.getError().isEmpty();
        }

        /** The agent's one-line error, prefixed with the node (several nodes answer at once). */
        String error() {
            return node + ": " + exit.getError();
        }

        boolean notFound() {
            return exit.getStatusCode() == io.grpc.Status.Code.NOT_FOUND.value();
        }
    }

    /** The {@code gantry} command these subcommands hang under (however deep), for its --addr. */
    static Main main(CommandLine.Model.CommandSpec spec) {
        return (Main) spec.root().userObject();
    }

    /** {@code --node NAME} if given (it must exist), else every READY node; none is a one-line error. */
    static List<String> targets(SchedulerClient client, String node) {
        List<Node> nodes = client.call(s -> s.listNodes(ListNodesRequest.getDefaultInstance())).getNodesList();
        if (node != null) {
            if (nodes.stream().noneMatch(n -> n.getName().equals(node))) {
                throw new CliException("no such node: " + node);
            }
            return List.of(node);
        }
        List<String> ready = nodes.stream().filter(n -> n.getStatus() == Node.Status.READY).map(Node::getName).sorted().toList();
        if (ready.isEmpty()) {
            throw new CliException("no node is ready (see gantry node ls)");
        }
        return ready;
    }

    /**
     * Opens one session per node with {@code open(node)}, runs them concurrently and waits for all;
     * {@code onFrame} sees every frame as it arrives (on gRPC threads), besides it being kept in the result.
     */
    static List<NodeResult> run(SchedulerClient client, List<String> nodes, Function<String, SessionOpen> open,
                                BiConsumer<String, SessionFrame> onFrame) throws InterruptedException {
        List<NodeSession> sessions = new ArrayList<>();
        List<List<SessionFrame>> frames = new ArrayList<>();
        try {
            for (String node : nodes) {
                List<SessionFrame> mine = Collections.synchronizedList(new ArrayList<>());
                frames.add(mine);
                sessions.add(NodeSession.open(client, open.apply(node).toBuilder().setNode(node).build(), f -> {
                    mine.add(f);
                    onFrame.accept(node, f);
                }));
            }
            List<NodeResult> results = new ArrayList<>();
            for (int i = 0; i < nodes.size(); i++) {
                SessionExit exit = sessions.get(i).awaitExit();
                results.add(new NodeResult(nodes.get(i), List.copyOf(frames.get(i)), exit));
            }
            return results;
        } finally {
            sessions.forEach(NodeSession::close);
        }
    }

    static List<NodeResult> run(SchedulerClient client, List<String> nodes, Function<String, SessionOpen> open)
            throws InterruptedException {
        return run(client, nodes, open, (n, f) -> {
        });
    }
}
