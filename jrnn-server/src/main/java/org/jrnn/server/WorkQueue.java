// The engine behind taggers and language models: a bounded FIFO of requests, a fixed set of worker
// threads that run one request each, a queue timeout and a draining shutdown. No batching across
// requests (a tagger batches the texts of one request itself; a generation is one stream), so it is
// BatchingClassifier's queue without the batch forming. Overload is refused, never buffered.
package org.jrnn.server;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.jrnn.serve.OverloadedException;
import org.jrnn.serve.Workers;

/**
 * Runs submitted tasks on {@code workers} threads in arrival order. Order of use: {@link #submit}
 * any number of times, then {@link #shutdown} once.
 *
 * <p>Futures fail with {@link OverloadedException}: {@code QUEUE_FULL} when the queued units would
 * pass {@code maxQueuedUnits}, {@code TIMED_OUT} when a task waited past {@code timeout} before a
 * worker took it, {@code SHUT_DOWN} after {@link #shutdown}. A running task is never interrupted;
 * long ones (a generation) poll the {@link BooleanSupplier} they are given and stop when it turns true,
 * which it does once a shutdown's wait has run out.
 */
final class WorkQueue {
    /** A unit of work; {@code stop} turns true when it should end early. */
    @FunctionalInterface
    interface Task<T> {
        T run(BooleanSupplier stop);
    }

    /** Told after each task with the units it ran (on the worker thread; keep it cheap). */
    @FunctionalInterface
    interface Listener {
        Listener NONE = units -> {};

        void ran(int units);
    }

    private record Job<T>(int units, Task<T> task, CompletableFuture<T> future, long deadlineNanos) {
        void run(BooleanSupplier stop) {
            try {
                future.complete(task.run(stop));
            } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
                future.completeExceptionally(e); // the caller decides (a bad request, a bug); the worker lives on
            }
        }
    }

    private final int maxQueuedUnits;
    private final Duration timeout;
    private final Listener listener;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Job<?>> queue = new ArrayDeque<>(); // guarded by lock; FIFO with one timeout, so deadlines ascend
    private int queuedUnits;                                     // guarded by lock
    private boolean accepting = true;                            // guarded by lock
    private volatile boolean stopRunning;
    private final Thread[] workers;
    private final Thread sweeper;

    WorkQueue(String name, int workers, int maxQueuedUnits, Duration timeout, Listener listener) {
        if (workers < 1) throw new IllegalArgumentException("workers must be >= 1, received: " + workers);
        if (maxQueuedUnits < 1) throw new IllegalArgumentException("maxQueuedUnits must be >= 1, received: " + maxQueuedUnits);
        if (timeout.isZero() || timeout.isNegative()) throw new IllegalArgumentException("timeout must be > 0, received: " + timeout);
        this.maxQueuedUnits = maxQueuedUnits;
        this.timeout = timeout;
        this.listener = Objects.requireNonNull(listener, "listener");
        this.workers = new Thread[workers];
        for (int i = 0; i < workers; i++) {
            this.workers[i] = new Thread(this::work, "jrnn-" + name + "-" + i);
            this.workers[i].setDaemon(true);
            this.workers[i].start();
        }
        sweeper = new Thread(this::sweep, "jrnn-" + name + "-timeouts");
        sweeper.setDaemon(true);
        sweeper.start();
    }

    /** Queues {@code task}, counting {@code units} against the queue's bound. Never blocks. */
    <T> CompletableFuture<T> submit(int units, Task<T> task) {
        if (units < 1) throw new IllegalArgumentException("units must be >= 1, received: " + units);
        CompletableFuture<T> f = new CompletableFuture<>();
        Job<T> job = new Job<>(units, task, f, System.nanoTime() + timeout.toNanos());
        lock.lock();
        try {
            if (!accepting) {
                f.completeExceptionally(new OverloadedException(OverloadedException.Reason.SHUT_DOWN, "the model is shutting down"));
            } else if (queuedUnits + units > maxQueuedUnits) {
                f.completeExceptionally(new OverloadedException(OverloadedException.Reason.QUEUE_FULL,
                        "the model's queue is full (" + queuedUnits + " of " + maxQueuedUnits + " waiting); retry later"));
            } else {
                queue.addLast(job);
                queuedUnits += units;
                changed.signal();
            }
        } finally {
            lock.unlock();
        }
        return f;
    }

    /** Units waiting for a worker now. */
    int queuedUnits() {
        lock.lock();
        try {
            return queuedUnits;
        } finally {
            lock.unlock();
        }
    }

    private void work() {
        Job<?> j;
        while ((j = take()) != null) {
            j.run(() -> stopRunning);
            listener.ran(j.units());
        }
    }

    /** The oldest job still wanted, or null once shut down and drained. */
    private Job<?> take() {
        lock.lock();
        try {
            while (true) {
                Job<?> j = queue.pollFirst();
                if (j == null) {
                    if (!accepting) return null;
                    changed.awaitUninterruptibly();
                    continue;
                }
                queuedUnits -= j.units();
                if (j.future().isDone()) continue;
                if (System.nanoTime() - j.deadlineNanos() > 0) {
                    j.future().completeExceptionally(timedOut());
                    continue;
                }
                return j;
            }
        } finally {
            lock.unlock();
        }
    }

    private OverloadedException timedOut() {
        return new OverloadedException(OverloadedException.Reason.TIMED_OUT,
                "the request waited longer than " + timeout.toMillis() + " ms for the model; retry later");
    }

    /** Fails queued jobs once past their deadline, so a client waiting behind a long generation hears back on time. */
    private void sweep() {
        long periodMs = Math.max(5, Math.min(timeout.toMillis() / 10, 100));
        while (true) {
            lock.lock();
            try {
                if (!accepting && queue.isEmpty()) return;
                long now = System.nanoTime();
                Job<?> head;
                while ((head = queue.peekFirst()) != null && now - head.deadlineNanos() > 0) {
                    queue.pollFirst();
                    queuedUnits -= head.units();
                    head.future().completeExceptionally(timedOut());
                }
            } finally {
                lock.unlock();
            }
            try {
                Thread.sleep(periodMs);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * Stops accepting; queued and running tasks go on. Waits up to {@code wait} for them, then tells the
     * running ones to stop and fails what is still queued with {@code SHUT_DOWN}.
     *
     * @return whether everything finished within {@code wait}
     */
    boolean shutdown(Duration wait) {
        lock.lock();
        try {
            accepting = false;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        boolean drained = Workers.joinAll(workers, wait);
        stopRunning = true;
        lock.lock();
        try {
            Job<?> j;
            while ((j = queue.pollFirst()) != null) {
                queuedUnits -= j.units();
                j.future().completeExceptionally(new OverloadedException(OverloadedException.Reason.SHUT_DOWN,
                        "the model shut down before the request ran"));
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        return drained;
    }
}
