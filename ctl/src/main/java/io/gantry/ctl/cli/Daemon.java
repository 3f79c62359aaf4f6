package io.gantry.ctl.cli;

import java.util.concurrent.CountDownLatch;

/** Keeps a long-running command alive until SIGINT/SIGTERM, then runs its shutdown once. */
public final class Daemon {
    private Daemon() {
    }

    public static void runUntilSignalled(Runnable shutdown) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                shutdown.run();
            } finally {
                stopped.countDown();
            }
        }, "gantry-shutdown"));
        stopped.await();
    }
}
