package io.gantry.agent.spec;

import java.util.List;

/** The numeric identity the container process runs as. */
public record ProcessUser(long uid, long gid, List<Long> additionalGids) {
    public ProcessUser {
        additionalGids = List.copyOf(additionalGids);
    }
}
