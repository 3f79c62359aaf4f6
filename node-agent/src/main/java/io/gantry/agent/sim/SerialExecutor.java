package io.gantry.agent.sim;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one at a time, in submission order, on a shared pool: a single-thread executor's guarantees
 * without a thread of its own, so thousands of hollow agents can each have one. Each task happens-before
 * the next. {@link #shutdownNow()} drops queued tasks but cannot interrupt a running one.
 */
final class SerialExecutor extends AbstractExecutorService {
    private static final Logger log = LoggerFactory.getLogger(SerialExecutor.class);
    /** Tasks run per turn on a pool thread before yielding it to other agents. */
    private static final int BATCH = 32;

    private final Executor pool;
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    private boolean draining;
    private boolean shutdown;

    SerialExecutor(Executor pool) {
        this.pool = pool;
    }

    @Override
    public void execute(Runnable task) {
        synchronized (this) {
            if (shutdown) {
                throw new RejectedExecutionException("executor shut down");
            }
            tasks.add(task);
            if (draining) {
                return;
            }
            draining = true;
        }
        submitDrain();
    }

    private void submitDrain() {
        try {
            pool.execute(this::drain);
        } catch (RejectedExecutionException e) {
            synchronized (this) {
                tasks.clear(); // the shared pool is gone: nothing will ever run these
                draining = false;
                notifyAll();
            }
        }
    }

    private void drain() {
        for (int i = 0; i < BATCH; i++) {
            Runnable task;
            synchronized (this) {
                task = tasks.poll();
                if (task == null) {
                    draining = false;
                    notifyAll();
                    return;
                }
            }
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                log.warn("task failed: {}", e.toString());
            }
        }
        submitDrain();
    }

    @Override
    public synchronized void shutdown() {
        shutdown = true;
        notifyAll();
    }

    @Override
    public synchronized List<Runnable> shutdownNow() {
        shutdown = true;
        List<Runnable> dropped = new ArrayList<>(tasks);
        tasks.clear();
        notifyAll();
        return dropped;
    }

    @Override
    public synchronized boolean isShutdown() {
        return shutdown;
    }

    @Override
    public synchronized boolean isTerminated() {
        return shutdown && !draining && tasks.isEmpty();
    }

    @Override
    public synchronized boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (!isTerminated()) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }
}
