package io.gantry.scheduler.core;

import java.util.HexFormat;
import java.util.SplittableRandom;

/** Deterministic ids for a given seed, so that tests and replays see the same ids. */
public final class SeededIdGenerator implements IdGenerator {
    private final SplittableRandom random;

    public SeededIdGenerator(long seed) {
        this.random = new SplittableRandom(seed);
    }

    @Override
    public synchronized String next() {
        return HexFormat.of().toHexDigits(random.nextLong()).substring(4); // 48 bits = 12 hex chars
    }
}
