package org.jrnn.kernels;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;

/**
 * One fixed pool for jrnn's data parallelism. {@link #forEach} runs task i for i in [0, n)
 * with fixed assignment (task 0 on the caller), so the work split never depends on timing;
 * callers combine results in index order, which keeps runs deterministic for a thread count.
 */
public final class Parallel implements AutoCloseable {
    private final int threads;
    private final ExecutorService pool;

    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, received: " + threads);
        this.threads = threads;
        this.pool = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, "jrnn-worker");
            t.setDaemon(true);
            return t;
        });
    }

    public int threads() {
        return threads;
    }

    /**
     * Runs body(0..n-1); body(0) on the calling thread. Returns when every task has finished,
     * then rethrows the failure of the lowest failing index as it was thrown (an Error too; a
     * checked exception sneaked out of a worker comes wrapped in an IllegalStateException).
     *
     * @throws IllegalStateException after {@link #close()} when n ≥ 2
     */
    public void forEach(int n, IntConsumer body) {
        if (n <= 0) return;
        if (pool == null || n == 1) {
            for (int i = 0; i < n; i++) body.accept(i);
            return;
        }
        if (pool.isShutdown()) throw new IllegalStateException("this Parallel is closed");
        List<Future<?>> futures = new ArrayList<>(n - 1);
        for (int i = 1; i < n; i++) {
            int idx = i;
            futures.add(pool.submit(() -> body.accept(idx)));
        }
        Throwable first = null;
        try {
            body.accept(0);
        } catch (RuntimeException | Error e) {
            first = e;
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (first == null) first = e.getCause();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (first == null) first = new IllegalStateException("interrupted", e);
            }
        }
        if (first instanceof RuntimeException r) throw r;
        if (first instanceof Error e) throw e;
        if (first != null) throw new IllegalStateException(first);
    }

    /**
     * Splits [0, total) into min(threads(), total) contiguous ranges, part i being
     * [total·i/parts, total·(i+1)/parts), and runs body(from, to) for each with {@link #forEach};
     * total 0 runs body(0, 0) once.
     */
    public void forRanges(int total, RangeBody body) {
        int parts = Math.min(threads, Math.max(1, total));
        forEach(parts, i -> body.run((int) ((long) total * i / parts), (int) ((long) total * (i + 1) / parts)));
    }

    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    @Override
    public void close() {
        if (pool != null) pool.shutdownNow();
    }
}
