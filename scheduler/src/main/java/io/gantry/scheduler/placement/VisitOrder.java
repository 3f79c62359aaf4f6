package io.gantry.scheduler.placement;

/**
 * A seeded pseudo-random permutation of {@code 0..n-1} that costs O(1) per step and allocates nothing: start at a
 * random index and stride by a random step coprime with {@code n}, which visits every index exactly once.
 * This is how the search looks at only a few nodes without always favouring the same ones.
 */
final class VisitOrder {
    private final int n;
    private final int step;
    private int next;

    VisitOrder(int n, long seed) {
        if (n <= 0) {
            throw new IllegalArgumentException("nothing to visit");
        }
        this.n = n;
        long h = mix(seed);
        this.next = (int) Long.remainderUnsigned(h, n);
        int s = n <= 2 ? 1 : 1 + (int) Long.remainderUnsigned(mix(h ^ 0x9E3779B97F4A7C15L), n - 1);
        while (gcd(s, n) != 1) {
            s = s % (n - 1) + 1;
        }
        this.step = s;
    }

    int next() {
        int i = next;
        next += step;
        if (next >= n) {
            next -= n;
        }
        return i;
    }

    /** SplitMix64's finalizer: spreads nearby seeds (consecutive workload ids) over the whole range. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
