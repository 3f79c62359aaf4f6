package io.gantry.scheduler.core;

/** Produces workload ids: 12 lowercase hex characters. */
public interface IdGenerator {
    String next();
}
