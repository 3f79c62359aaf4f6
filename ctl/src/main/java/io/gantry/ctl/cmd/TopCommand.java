package io.gantry.ctl.cmd;

import io.gantry.ctl.Main;
import io.gantry.ctl.cli.NodeSession;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.ctl.cli.Table;
import io.gantry.proto.SessionOpen;
import io.gantry.proto.TopOp;
import io.gantry.proto.TopResult;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code gantry top}: the processes of a container, read on its node. */
@Command(name = "top", description = "Display the running processes of a container.")
public final class TopCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CONTAINER")
    String container;

    @Override
    public Integer call() throws Exception {
        var result = new AtomicReference<TopResult>();
        try (SchedulerClient client = main.connect();
             NodeSession session = NodeSession.open(client, SessionOpen.newBuilder().setContainer(container)
                     .setTop(TopOp.getDefaultInstance()).build(), f -> {
                 if (f.hasTop()) {
                     result.set(f.getTop());
                 }
             })) {
            session.await();
        }
        TopResult top = result.get();
        if (top == null) {
            return 0;
        }
        Table t = new Table(top.getTitlesList().toArray(String[]::new));
        top.getProcessesList().forEach(r -> t.row(r.getColumnsList().toArray(String[]::new)));
        var out = spec.commandLine().getOut();
        out.print(t.render());
        out.flush();
        return 0;
    }
}
