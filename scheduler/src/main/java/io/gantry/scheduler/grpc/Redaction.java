package io.gantry.scheduler.grpc;

import io.gantry.proto.ListResponse;
import io.gantry.proto.ListServicesResponse;
import io.gantry.proto.Service;
import io.gantry.proto.ServiceSpec;
import io.gantry.proto.Workload;
import io.gantry.proto.WorkloadSpec;

/**
 * Registry credentials travel with a spec to the agents that pull its image, but are never shown back:
 * every answer of the Control API passes through here.
 */
final class Redaction {
    private Redaction() {
    }

    @SuppressWarnings("unchecked")
    static <T> T redact(T answer) {
        return (T) switch (answer) {
            case Workload w -> workload(w);
            case Service sv -> service(sv);
            case ListResponse r -> needsRedaction(r) ? r.toBuilder().clearWorkloads()
                    .addAllWorkloads(r.getWorkloadsList().stream().map(Redaction::workload).toList()).build() : r;
            case ListServicesResponse r -> r.toBuilder().clearServices()
                    .addAllServices(r.getServicesList().stream().map(Redaction::service).toList()).build();
            case io.gantry.proto.RunResponse r -> r.toBuilder().setWorkload(workload(r.getWorkload())).build();
            case io.gantry.proto.StopResponse r -> r.toBuilder().setWorkload(workload(r.getWorkload())).build();
            case io.gantry.proto.KillResponse r -> r.toBuilder().setWorkload(workload(r.getWorkload())).build();
            case io.gantry.proto.StartResponse r -> r.toBuilder().setWorkload(workload(r.getWorkload())).build();
            case io.gantry.proto.RestartResponse r -> r.toBuilder().setWorkload(workload(r.getWorkload())).build();
            case io.gantry.proto.RenameResponse r -> r.toBuilder().setWorkload(workload(r.getWorkload())).build();
            case io.gantry.proto.PauseResponse r -> r.toBuilder().setWorkload(workload(r.getWorkload())).build();
            case io.gantry.proto.UnpauseResponse r -> r.toBuilder().setWorkload(workload(r.getWorkload())).build();
            default -> answer;
        };
    }

    private static boolean needsRedaction(ListResponse r) {
        for (var w : r.getWorkloadsList()) {
            if (w.getSpec().hasRegistryAuth()) {
                return true;
            }
        }
        return false;
    }

    static Workload workload(Workload w) {
        return w.getSpec().hasRegistryAuth() ? w.toBuilder().setSpec(spec(w.getSpec())).build() : w;
    }

    static Service service(Service sv) {
        var b = sv.toBuilder().setSpec(serviceSpec(sv.getSpec()));
        if (sv.hasPreviousSpec()) {
            b.setPreviousSpec(serviceSpec(sv.getPreviousSpec()));
        }
        return b.build();
    }

    private static ServiceSpec serviceSpec(ServiceSpec s) {
        return s.getTemplate().hasRegistryAuth() ? s.toBuilder().setTemplate(spec(s.getTemplate())).build() : s;
    }

    private static WorkloadSpec spec(WorkloadSpec s) {
        return s.toBuilder().clearRegistryAuth().build();
    }
}
