package io.gantry.ctl.cmd;

import io.gantry.ctl.Main;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.proto.AttachOp;
import io.gantry.proto.InspectRequest;
import io.gantry.proto.SessionOpen;
import io.gantry.proto.Workload;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code gantry attach}: this terminal to a running container's main process (Ctrl-P Ctrl-Q detaches). */
@Command(name = "attach", description = "Attach local standard input, output, and error streams to a running container.")
public final class AttachCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--no-stdin", description = "Do not attach STDIN")
    boolean noStdin;

    @Parameters(index = "0", paramLabel = "CONTAINER")
    String container;

    @Override
    public Integer call() throws Exception {
        try (SchedulerClient client = main.connect()) {
            Workload w = client.call(s -> s.inspect(InspectRequest.newBuilder().setRef(container).build()));
            return attach(client, w, !noStdin && w.getSpec().getOpenStdin(), false);
        }
    }

    /** Attaches to {@code w}'s main process; {@code replay} first shows its output so far. Returns its exit code. */
    static int attach(SchedulerClient client, Workload w, boolean stdin, boolean replay) throws InterruptedException {
        boolean tty = w.getSpec().getTty();
        var interactive = new Interactive(stdin, tty, true);
        int code = interactive.run(client, size -> SessionOpen.newBuilder().setContainer(w.getId())
                .setAttach(AttachOp.newBuilder().setStdin(stdin).setLogs(replay).setSize(size)).build());
        if (interactive.detached()) {
            System.err.println();
            System.err.println("read escape sequence");
            return 0;
        }
        return code;
    }
}
