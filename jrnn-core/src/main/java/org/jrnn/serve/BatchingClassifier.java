// TEMPORARY copy on branch `server` with the API the lead's engine will have on main (delete when
// merging main): gathers concurrent requests into one predictBatch, bounded queue, per-request
// timeout. Deliberately simple: one lock, FIFO.
package org.jrnn.serve;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

public final class BatchingClassifier implements AutoCloseable {
    public record Options(int maxBatchTexts, Duration maxWait, int maxQueuedTexts, Duration timeout, int workers) {
        public static Options defaults() {
            return new Options(64, Duration.ofMillis(1), 4096, Duration.ofSeconds(10), Runtime.getRuntime().availableProcessors());
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

    public interface Listener {
        void batchDone(int texts, int requests, long runNanos);
    }

    private record Job(List<String> texts, boolean explain, long enqueued, CompletableFuture<List<Prediction>> future) {}

    private final Classifier classifier;
    private final Options options;
    private final Listener listener;
    private final ArrayDeque<Job> queue = new ArrayDeque<>();
    private final List<Thread> threads = new ArrayList<>();
    private int queued;
    private int running;
    private boolean accepting = true;
    private boolean stopped;

    public BatchingClassifier(Classifier classifier, Options options, Listener listener) {
        this.classifier = classifier;
        this.options = options;
        this.listener = listener;
        for (int i = 0; i < options.workers(); i++) {
            Thread t = new Thread(this::work, "jrnn-batch-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    public Classifier classifier() {
        return classifier;
    }

    public CompletableFuture<List<Prediction>> submit(List<String> texts) {
        return enqueue(new Job(List.copyOf(texts), false, System.nanoTime(), new CompletableFuture<>()));
    }

    public CompletableFuture<Prediction> submitExplain(String text) {
        return enqueue(new Job(List.of(text), true, System.nanoTime(), new CompletableFuture<>())).thenApply(l -> l.get(0));
    }

    private synchronized CompletableFuture<List<Prediction>> enqueue(Job job) {
        if (!accepting) {
            job.future.completeExceptionally(new OverloadedException(OverloadedException.Reason.SHUT_DOWN, "shutting down"));
        } else if (queued + job.texts.size() > options.maxQueuedTexts()) {
            job.future.completeExceptionally(new OverloadedException(OverloadedException.Reason.QUEUE_FULL, "queue full"));
        } else {
            queue.add(job);
            queued += job.texts.size();
            notifyAll();
        }
        return job.future;
    }

    public synchronized int queuedTexts() {
        return queued;
    }

    private void work() {
        while (true) {
            List<Job> batch = new ArrayList<>();
            synchronized (this) {
                try {
                    while (queue.isEmpty() && !stopped) wait();
                    if (stopped && queue.isEmpty()) return;
                    long deadline = System.nanoTime() + options.maxWait().toNanos();
                    while (!queue.isEmpty() && queued < options.maxBatchTexts() && !stopped && !queue.peek().explain) {
                        long left = deadline - System.nanoTime();
                        if (left <= 0) break;
                        wait(Math.max(1, left / 1_000_000), (int) (left % 1_000_000));
                    }
                } catch (InterruptedException e) {
                    return;
                }
                if (queue.isEmpty()) continue; // another worker took it
                int texts = 0;
                while (!queue.isEmpty() && (batch.isEmpty() || texts + queue.peek().texts.size() <= options.maxBatchTexts())
                        && (batch.isEmpty() || !queue.peek().explain)) {
                    Job j = queue.poll();
                    queued -= j.texts.size();
                    texts += j.texts.size();
                    batch.add(j);
                    if (j.explain) break;
                }
                running++;
            }
            try {
                run(batch);
            } finally {
                synchronized (this) {
                    running--;
                    notifyAll();
                }
            }
        }
    }

    private void run(List<Job> batch) {
        long now = System.nanoTime();
        List<Job> live = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (Job j : batch) {
            if (now - j.enqueued > options.timeout().toNanos()) {
                j.future.completeExceptionally(new OverloadedException(OverloadedException.Reason.TIMED_OUT, "timed out in the queue"));
            } else {
                live.add(j);
                texts.addAll(j.texts);
            }
        }
        if (live.isEmpty()) return;
        try {
            if (live.get(0).explain) {
                live.get(0).future.complete(List.of(classifier.explain(texts.get(0))));
                return;
            }
            long t0 = System.nanoTime();
            List<Prediction> all = classifier.predictBatch(texts);
            long ran = System.nanoTime() - t0;
            int at = 0;
            for (Job j : live) {
                j.future.complete(all.subList(at, at + j.texts.size()));
                at += j.texts.size();
            }
            if (listener != null) listener.batchDone(texts.size(), live.size(), ran);
        } catch (RuntimeException | Error e) {
            for (Job j : live) j.future.completeExceptionally(e);
        }
    }

    public boolean shutdown(Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        synchronized (this) {
            accepting = false;
            try {
                while ((!queue.isEmpty() || running > 0) && System.nanoTime() < deadline) {
                    wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            boolean drained = queue.isEmpty() && running == 0;
            stopped = true;
            for (Job j : queue) j.future.completeExceptionally(new OverloadedException(OverloadedException.Reason.SHUT_DOWN, "shutting down"));
            queue.clear();
            queued = 0;
            notifyAll();
            return drained;
        }
    }

    @Override
    public void close() {
        shutdown(Duration.ZERO);
    }
}
