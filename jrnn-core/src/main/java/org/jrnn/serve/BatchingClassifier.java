// On-the-fly batching for a service: concurrent requests for one model are gathered into one
// packed batch, run once, and answered individually. One RNN step over 32 rows costs little more
// than over one (the weights stay in cache), so under load this turns many small products into a
// few large ones. The queue is bounded in texts, so overload is refused, never buffered.
package org.jrnn.serve;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs a {@link Classifier} on worker threads, batching the texts of concurrent
 * {@link #submit} calls. Each call's future gets exactly what {@link Classifier#predictBatch}
 * would have returned for its own texts (a text's result never depends on its batch mates).
 *
 * <p>A worker takes the oldest request, then every queued request that still fits in
 * {@link Options#maxBatchTexts}. Only if it found requests queuing (the model is busy) and the batch
 * is not full does it wait, up to {@link Options#maxWait}, for more: a lone request never waits, so
 * one client sees no added latency, and under load batches fill up.
 *
 * <p>Futures fail with {@link OverloadedException} when the queue is full, when a request waited
 * longer than {@link Options#timeout} before its batch started, or after {@link #shutdown}.
 */
public final class BatchingClassifier implements AutoCloseable {

    /**
     * @param maxBatchTexts texts per batch at most (a larger single request runs alone, whole)
     * @param maxWait how long a worker holding a partial batch of queued requests waits for more
     * @param maxQueuedTexts texts waiting at most; beyond that, {@link OverloadedException.Reason#QUEUE_FULL}
     * @param timeout longest wait in the queue before {@link OverloadedException.Reason#TIMED_OUT}
     * @param workers threads running batches (each batch runs on one thread)
     */
    public record Options(int maxBatchTexts, Duration maxWait, int maxQueuedTexts, Duration timeout, int workers) {
        public Options {
            Objects.requireNonNull(maxWait, "maxWait");
            Objects.requireNonNull(timeout, "timeout");
            if (maxBatchTexts < 1) throw new IllegalArgumentException("maxBatchTexts must be >= 1, received: " + maxBatchTexts);
            if (maxWait.isNegative() || maxWait.compareTo(Duration.ofSeconds(1)) > 0) {
                throw new IllegalArgumentException("maxWait must be between 0 and 1 s, received: " + maxWait);
            }
            if (maxQueuedTexts < 1) throw new IllegalArgumentException("maxQueuedTexts must be >= 1, received: " + maxQueuedTexts);
            if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("timeout must be > 0, received: " + timeout);
            if (workers < 1) throw new IllegalArgumentException("workers must be >= 1, received: " + workers);
        }

        /**
         * 64 texts, no wait, 4096 queued texts, 10 s, one worker per core. No wait: batches still form
         * from requests that queue while the workers are busy, and waiting idles a core that could run
         * one (bench/serve.sh, 2 cores, 2026-12-06: rnn_masked 1 text, 16 connections 21,819 req/s
         * without, 9,105 with 1 ms; bilstm2x64 at 64 connections 4,421 without, 3,297 with 1 ms).
         */
        public static Options defaults() {
            return new Options(64, Duration.ZERO, 4096, Duration.ofSeconds(10), Runtime.getRuntime().availableProcessors());
        }

        public Options withMaxBatchTexts(int n) {
            return new Options(n, maxWait, maxQueuedTexts, timeout, workers);
        }

        public Options withMaxWait(Duration d) {
            return new Options(maxBatchTexts, d, maxQueuedTexts, timeout, workers);
        }

        public Options withMaxQueuedTexts(int n) {
            return new Options(maxBatchTexts, maxWait, n, timeout, workers);
        }

        public Options withTimeout(Duration d) {
            return new Options(maxBatchTexts, maxWait, maxQueuedTexts, d, workers);
        }

        public Options withWorkers(int n) {
            return new Options(maxBatchTexts, maxWait, maxQueuedTexts, timeout, n);
        }
    }

    /**
     * Told about every batch run, on the worker thread that ran it, after its futures were completed
     * (for metrics; keep it cheap).
     */
    public interface Listener {
        Listener NONE = (texts, requests, runNanos) -> {};

        void batchDone(int texts, int requests, long runNanos);
    }

    /**
     * Test hooks, package-private: tests stop the clock so that nothing expires or stops waiting
     * unless they move it, and learn when a worker starts waiting for company, instead of sleeping
     * and hoping (on a loaded machine a sleep proves nothing).
     */
    interface Hooks {
        Hooks NONE = new Hooks() {};

        /** The clock deadlines and {@link Options#maxWait} are measured on. */
        default long nanoTime() {
            return System.nanoTime();
        }

        /** A worker holding {@code requests} queued requests starts waiting for more (lock held: keep it short). */
        default void waitingForMore(int requests) {}
    }

    /** One request: texts to predict, or one text to explain. */
    private record Job(List<String> texts, String explainText, CompletableFuture<List<Prediction>> batchFuture,
                       CompletableFuture<Prediction> explainFuture, long deadlineNanos) {
        int size() {
            return texts == null ? 1 : texts.size();
        }

        boolean isDone() {
            return texts == null ? explainFuture.isDone() : batchFuture.isDone();
        }

        void fail(Throwable e) {
            if (texts == null) explainFuture.completeExceptionally(e);
            else batchFuture.completeExceptionally(e);
        }
    }

    private final Classifier classifier;
    private final Options options;
    private final Listener listener;
    private final Hooks hooks;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Job> queue = new ArrayDeque<>(); // guarded by lock; FIFO, so deadlines ascend
    private int queuedTexts;                                   // guarded by lock
    private boolean accepting = true;                          // guarded by lock
    private final Thread[] workers;
    private final Thread sweeper;
    /** Workers waiting for a request (guarded by lock): a batch may borrow their cores. */
    private int idleWorkers;
    /** Runs the second half of a batch while workers are idle; null with one worker. */
    private final java.util.concurrent.ExecutorService splitter;

    public BatchingClassifier(Classifier classifier, Options options) {
        this(classifier, options, Listener.NONE);
    }

    public BatchingClassifier(Classifier classifier, Options options, Listener listener) {
        this(classifier, options, listener, Hooks.NONE);
    }

    BatchingClassifier(Classifier classifier, Options options, Listener listener, Hooks hooks) {
        this.classifier = Objects.requireNonNull(classifier, "classifier");
        this.options = Objects.requireNonNull(options, "options");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.hooks = Objects.requireNonNull(hooks, "hooks");
        this.splitter = options.workers() < 2 ? null : java.util.concurrent.Executors.newFixedThreadPool(options.workers() - 1, r -> {
            Thread t = new Thread(r, "jrnn-batch-split");
            t.setDaemon(true);
            return t;
        }); // before the workers start: they read it
        this.workers = new Thread[options.workers()];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Thread(this::work, "jrnn-batch-" + i);
            workers[i].setDaemon(true);
            workers[i].start();
        }
        sweeper = new Thread(this::sweep, "jrnn-batch-timeouts");
        sweeper.setDaemon(true);
        sweeper.start();
    }

    public Classifier classifier() {
        return classifier;
    }

    public Options options() {
        return options;
    }

    /** Predictions for {@code texts} in input order. Never blocks. */
    public CompletableFuture<List<Prediction>> submit(List<String> texts) {
        for (String t : texts) Objects.requireNonNull(t, "text must not be null");
        if (texts.isEmpty()) return CompletableFuture.completedFuture(List.of());
        CompletableFuture<List<Prediction>> f = new CompletableFuture<>();
        enqueue(new Job(List.copyOf(texts), null, f, null, deadline()));
        return f;
    }

    /** {@link Classifier#explain} on a worker (it runs one forward pass per token, so it queues like the rest). */
    public CompletableFuture<Prediction> submitExplain(String text) {
        Objects.requireNonNull(text, "text must not be null");
        CompletableFuture<Prediction> f = new CompletableFuture<>();
        enqueue(new Job(null, text, null, f, deadline()));
        return f;
    }

    /** Texts waiting for a worker now. */
    public int queuedTexts() {
        lock.lock();
        try {
            return queuedTexts;
        } finally {
            lock.unlock();
        }
    }

    private long deadline() {
        return hooks.nanoTime() + options.timeout().toNanos();
    }

    private void enqueue(Job job) {
        lock.lock();
        try {
            if (!accepting) {
                job.fail(new OverloadedException(OverloadedException.Reason.SHUT_DOWN, "the model is shutting down"));
                return;
            }
            if (queuedTexts + job.size() > options.maxQueuedTexts()) {
                job.fail(new OverloadedException(OverloadedException.Reason.QUEUE_FULL,
                        "the model's queue is full (" + queuedTexts + " of " + options.maxQueuedTexts() + " texts waiting); retry later"));
                return;
            }
            queue.addLast(job);
            queuedTexts += job.size();
            changed.signal();
        } finally {
            lock.unlock();
        }
    }

    private void work() {
        List<Job> batch;
        while ((batch = take()) != null) run(batch);
    }

    /** The next batch, or null once shut down and drained. */
    private List<Job> take() {
        lock.lock();
        try {
            Job first;
            while ((first = poll()) == null) {
                if (!accepting) return null;
                idleWorkers++;
                try {
                    changed.awaitUninterruptibly();
                } finally {
                    idleWorkers--;
                }
            }
            List<Job> batch = new ArrayList<>();
            batch.add(first);
            if (first.texts() == null) return batch; // an explanation runs alone
            int n = first.size();
            long waitUntil = hooks.nanoTime() + options.maxWait().toNanos();
            while (n < options.maxBatchTexts()) {
                Job next = queue.peekFirst();
                if (next == null) {
                    long left = waitUntil - hooks.nanoTime();
                    if (batch.size() < 2 || left <= 0 || !accepting) break; // alone: nothing suggests more will come
                    hooks.waitingForMore(batch.size());
                    changed.awaitNanos(left);
                    continue;
                }
                if (next.isDone() || expired(next)) {
                    // Drop exactly the head we looked at. (poll() here would also take the job behind a
                    // cancelled or expired head, unchecked for size, and lose it: its future never completed.)
                    queue.pollFirst();
                    queuedTexts -= next.size();
                    if (!next.isDone()) next.fail(timedOut());
                    continue;
                }
                if (next.texts() == null || n + next.size() > options.maxBatchTexts()) break;
                queue.pollFirst();
                queuedTexts -= next.size();
                batch.add(next);
                n += next.size();
            }
            if (!queue.isEmpty()) changed.signal(); // what did not fit goes to another worker now
            return batch;
        } catch (InterruptedException e) {
            throw new IllegalStateException("batch worker interrupted", e); // never interrupted by us
        } finally {
            lock.unlock();
        }
    }

    /** Removes the oldest job still wanted (lock held); expired ones are failed on the way. */
    private Job poll() {
        Job j;
        while ((j = queue.pollFirst()) != null) {
            queuedTexts -= j.size();
            if (j.isDone()) continue;
            if (expired(j)) {
                j.fail(timedOut());
                continue;
            }
            return j;
        }
        return null;
    }

    private boolean expired(Job j) {
        return hooks.nanoTime() - j.deadlineNanos() > 0;
    }

    private OverloadedException timedOut() {
        return new OverloadedException(OverloadedException.Reason.TIMED_OUT,
                "the request waited longer than " + options.timeout().toMillis() + " ms for the model; retry later");
    }

    private void run(List<Job> batch) {
        long t0 = System.nanoTime();
        int texts = 0;
        try {
            if (batch.get(0).texts() == null) {
                texts = 1;
                Job j = batch.get(0);
                j.explainFuture().complete(classifier.explain(j.explainText()));
            } else {
                List<String> all = new ArrayList<>();
                for (Job j : batch) all.addAll(j.texts());
                texts = all.size();
                List<Prediction> out = predict(all);
                int from = 0;
                for (Job j : batch) {
                    int to = from + j.size();
                    j.batchFuture().complete(out.subList(from, to));
                    from = to;
                }
            }
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
            // The callers decide what it means (a bad text, a bug); the worker lives on.
            for (Job j : batch) j.fail(e);
        }
        listener.batchDone(texts, batch.size(), System.nanoTime() - t0);
    }

    /**
     * The batch's predictions; split in two halves run side by side when another worker is idle and
     * nothing is queued (a lone 8-text request at one connection would otherwise use one core of
     * two). Exact either way: a text's result does not depend on its batch mates.
     */
    private List<Prediction> predict(List<String> texts) {
        if (splitter == null || texts.size() < 2 || !spareCore()) return classifier.predictBatch(texts);
        int half = texts.size() / 2;
        java.util.concurrent.Future<List<Prediction>> second = splitter.submit(() -> classifier.predictBatch(texts.subList(half, texts.size())));
        List<Prediction> first = classifier.predictBatch(texts.subList(0, half));
        List<Prediction> out = new ArrayList<>(texts.size());
        out.addAll(first);
        try {
            out.addAll(second.get());
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("batch worker interrupted", e);
        }
        return out;
    }

    private boolean spareCore() {
        lock.lock();
        try {
            return idleWorkers > 0 && queue.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Fails queued requests once they pass their deadline, so a client waiting behind a long
     * batch hears back on time. The queue is FIFO with one timeout, so only its head can expire.
     */
    private void sweep() {
        long periodMs = Math.max(5, Math.min(options.timeout().toMillis() / 10, 100));
        while (true) {
            lock.lock();
            try {
                if (!accepting && queue.isEmpty()) return;
                long now = hooks.nanoTime();
                Job head;
                while ((head = queue.peekFirst()) != null && now - head.deadlineNanos() > 0) {
                    queue.pollFirst();
                    queuedTexts -= head.size();
                    head.fail(timedOut());
                }
            } finally {
                lock.unlock();
            }
            try {
                Thread.sleep(periodMs); // not a wait on `changed`: it must not swallow a worker's wake-up
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * Stops accepting; queued and running requests finish. Waits up to {@code wait} for that and
     * returns whether everything finished; whatever is still queued then fails with
     * {@link OverloadedException.Reason#SHUT_DOWN} (running batches still complete later).
     */
    public boolean shutdown(Duration wait) {
        lock.lock();
        try {
            accepting = false;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        boolean drained = Workers.joinAll(workers, wait);
        lock.lock();
        try {
            Job j;
            while ((j = queue.pollFirst()) != null) {
                queuedTexts -= j.size();
                j.fail(new OverloadedException(OverloadedException.Reason.SHUT_DOWN, "the model shut down before the request ran"));
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (splitter != null && drained) splitter.shutdown();
        return drained;
    }

    /** {@link #shutdown} with the request timeout as the wait. */
    @Override
    public void close() {
        shutdown(options.timeout());
    }
}
