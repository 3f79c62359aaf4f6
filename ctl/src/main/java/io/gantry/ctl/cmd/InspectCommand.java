package io.gantry.ctl.cmd;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.gantry.ctl.Main;
import io.gantry.ctl.cli.CliException;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.proto.InspectRequest;
import io.gantry.proto.Workload;
import io.grpc.StatusRuntimeException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code gantry inspect}: the full record of containers as a JSON array, as Docker prints it. */
@Command(name = "inspect", description = "Display detailed information on one or more containers (JSON).")
public final class InspectCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(arity = "1..*", paramLabel = "CONTAINER")
    List<String> refs;

    @Override
    public Integer call() throws InvalidProtocolBufferException {
        List<String> objects = new ArrayList<>();
        String error = null;
        try (SchedulerClient client = main.connect()) {
            for (String ref : refs) {
                try {
                    Workload w = client.call(s -> s.inspect(InspectRequest.newBuilder().setRef(ref).build()));
                    objects.add(JsonFormat.printer().includingDefaultValueFields().print(w));
                } catch (StatusRuntimeException e) {
                    error = SchedulerClient.describe(e);
                }
            }
        }
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < objects.size(); i++) {
            out.append(i == 0 ? "\n" : ",\n").append(objects.get(i).indent(4).stripTrailing());
        }
        out.append(objects.isEmpty() ? "]" : "\n]");
        System.out.println(out);
        if (error != null) {
            throw new CliException(error, 1);
        }
        return 0;
    }
}
