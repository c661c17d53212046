package org.jrnn.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.jrnn.io.TestModels;
import org.junit.jupiter.api.Test;

// No sleeps and no timed assertions (they failed on a loaded machine): a Gate holds the worker, the
// clock stands still unless a test moves it, and a hook says when a worker waits for company.
class BatchingClassifierTest {
    private static final Classifier TINY = new Classifier(TestModels.tiny(2));
    private static final BatchingClassifier.Options ONE_WORKER =
            BatchingClassifier.Options.defaults().withWorkers(1).withMaxWait(Duration.ZERO);

    /** A listener whose first call blocks the (only) worker until released: requests pile up meanwhile. */
    static final class Gate implements BatchingClassifier.Listener {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final List<int[]> batches = new CopyOnWriteArrayList<>(); // {texts, requests}

        @Override
        public void batchDone(int texts, int requests, long runNanos) {
            batches.add(new int[] {texts, requests});
            entered.countDown();
            try {
                release.await(60, TimeUnit.SECONDS); // longer than every get(20 s): no test passes because the gate gave up
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Submits one request and waits until the worker is held inside the listener. */
        void hold(BatchingClassifier b) throws Exception {
            b.submit(List.of("the team wins")).get(20, TimeUnit.SECONDS);
            assertThat(entered.await(20, TimeUnit.SECONDS)).isTrue();
        }

        /** Futures complete before the listener hears of their batch: wait for it to. */
        void awaitBatches(int n) throws InterruptedException {
            await(() -> batches.size() >= n, n + " batches reported");
        }
    }

    /**
     * Hooks with a clock that stands still until moved (so nothing times out and no wait for company
     * ends by itself), counting the worker's waits for company and the sweeper's looks at the clock.
     */
    static final class Clock implements BatchingClassifier.Hooks {
        final AtomicLong now = new AtomicLong();
        final AtomicInteger waits = new AtomicInteger();
        final CountDownLatch waiting = new CountDownLatch(1);
        final AtomicInteger sweeps = new AtomicInteger();
        volatile int waitingWith;

        @Override
        public long nanoTime() {
            if (Thread.currentThread().getName().equals("jrnn-batch-timeouts")) sweeps.incrementAndGet();
            return now.get();
        }

        @Override
        public void waitingForMore(int requests) {
            waitingWith = requests;
            waits.incrementAndGet();
            waiting.countDown();
        }

        void advance(Duration d) {
            now.addAndGet(d.toNanos());
        }

        /** Waits until the sweeper has read the clock twice more: a whole sweep saw the current time. */
        void awaitSweep() throws InterruptedException {
            int seen = sweeps.get();
            await(() -> sweeps.get() >= seen + 2, "a sweep");
        }
    }

    /** Polls, for up to 30 s: an upper bound for a hung test, never a claim about speed. */
    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - until > 0) throw new AssertionError("still waiting after 30 s for " + what);
            Thread.sleep(1);
        }
    }

    private static BatchingClassifier stoppedClock(BatchingClassifier.Options options, BatchingClassifier.Listener listener) {
        return new BatchingClassifier(TINY, options, listener, new Clock());
    }

    private static void assertSamePredictions(List<Prediction> got, List<Prediction> expected) {
        assertThat(got).hasSameSizeAs(expected);
        for (int i = 0; i < got.size(); i++) {
            assertThat(got.get(i).text()).isEqualTo(expected.get(i).text());
            assertThat(got.get(i).probabilities()).isEqualTo(expected.get(i).probabilities());
            assertThat(got.get(i).label()).isEqualTo(expected.get(i).label());
        }
    }

    @Test
    void concurrentRequestsGetExactlyTheirOwnPredictions() throws Exception {
        List<List<String>> requests = new ArrayList<>();
        for (int i = 0; i < 200; i++) requests.add(ClassifierTest.texts(1 + i % 9, i));
        try (BatchingClassifier b = stoppedClock(BatchingClassifier.Options.defaults().withWorkers(2).withMaxBatchTexts(16),
                BatchingClassifier.Listener.NONE)) {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<List<Prediction>>> got = new ArrayList<>();
                for (List<String> r : requests) got.add(pool.submit(() -> b.submit(r).get(20, TimeUnit.SECONDS)));
                for (int i = 0; i < requests.size(); i++) {
                    assertSamePredictions(got.get(i).get(), TINY.predictBatch(requests.get(i)));
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void requestsThatArriveWhileTheWorkerIsBusyRunAsOneBatch() throws Exception {
        Gate gate = new Gate();
        try (BatchingClassifier b = stoppedClock(ONE_WORKER, gate)) {
            gate.hold(b);
            List<CompletableFuture<List<Prediction>>> waiting = new ArrayList<>();
            List<List<String>> requests = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                requests.add(ClassifierTest.texts(1 + i % 3, 100 + i));
                waiting.add(b.submit(requests.get(i)));
            }
            int texts = requests.stream().mapToInt(List::size).sum();
            assertThat(b.queuedTexts()).isEqualTo(texts);
            gate.release.countDown();
            for (int i = 0; i < 10; i++) assertSamePredictions(waiting.get(i).get(20, TimeUnit.SECONDS), TINY.predictBatch(requests.get(i)));
            gate.awaitBatches(2);
            assertThat(gate.batches).hasSize(2);
            assertThat(gate.batches.get(1)).containsExactly(texts, 10);
            assertThat(b.queuedTexts()).isZero();
        }
    }

    @Test
    void aLoneBatchSplitAcrossAnIdleWorkerGivesExactlyTheSamePredictions() throws Exception {
        // Two workers, one request at a time: the other worker is idle and the queue empty, so each
        // batch runs in two halves side by side; the answers must be those of one predictBatch.
        try (BatchingClassifier b = stoppedClock(ONE_WORKER.withWorkers(2), BatchingClassifier.Listener.NONE)) {
            for (int i = 0; i < 30; i++) {
                List<String> texts = ClassifierTest.texts(2 + i % 9, 500 + i);
                assertSamePredictions(b.submit(texts).get(20, TimeUnit.SECONDS), TINY.predictBatch(texts));
            }
        }
    }

    @Test
    void aLoneRequestDoesNotWaitForCompany() throws Exception {
        // maxWait 1 s on a clock that stands still: a lone request that waited for more would never run.
        Clock clock = new Clock();
        List<Integer> requestsPerBatch = new CopyOnWriteArrayList<>();
        try (BatchingClassifier b = new BatchingClassifier(TINY, ONE_WORKER.withMaxWait(Duration.ofSeconds(1)),
                (texts, requests, runNanos) -> requestsPerBatch.add(requests), clock)) {
            for (int i = 0; i < 10; i++) b.submit(List.of("goal " + i)).get(20, TimeUnit.SECONDS);
            await(() -> requestsPerBatch.size() == 10, "10 batches reported");
        }
        assertThat(clock.waits).hasValue(0);
        assertThat(requestsPerBatch).containsOnly(1);
    }

    @Test
    void queuedRequestsWaitForMoreUnderLoad() throws Exception {
        // The worker finds two queued requests and waits for more; the clock stands still, so it waits
        // however long this thread takes to send the third, which fills the batch (3 texts) and runs it.
        Gate gate = new Gate();
        Clock clock = new Clock();
        BatchingClassifier.Options options = ONE_WORKER.withMaxWait(Duration.ofSeconds(1)).withMaxBatchTexts(3);
        try (BatchingClassifier b = new BatchingClassifier(TINY, options, gate, clock)) {
            gate.hold(b);
            CompletableFuture<List<Prediction>> x = b.submit(List.of("goal"));
            CompletableFuture<List<Prediction>> y = b.submit(List.of("team"));
            gate.release.countDown();
            assertThat(clock.waiting.await(20, TimeUnit.SECONDS)).isTrue();
            assertThat(clock.waitingWith).isEqualTo(2);
            assertThat(x).isNotDone();
            CompletableFuture<List<Prediction>> z = b.submit(List.of("market"));
            x.get(20, TimeUnit.SECONDS);
            y.get(20, TimeUnit.SECONDS);
            z.get(20, TimeUnit.SECONDS);
            gate.awaitBatches(2);
            assertThat(gate.batches.get(1)).containsExactly(3, 3);
        }
    }

    @Test
    void aPartialBatchStopsWaitingForMoreAtMaxWait() throws Exception {
        Gate gate = new Gate();
        Clock clock = new Clock();
        try (BatchingClassifier b = new BatchingClassifier(TINY, ONE_WORKER.withMaxWait(Duration.ofSeconds(1)), gate, clock)) {
            gate.hold(b);
            CompletableFuture<List<Prediction>> x = b.submit(List.of("goal"));
            CompletableFuture<List<Prediction>> y = b.submit(List.of("team"));
            gate.release.countDown();
            assertThat(clock.waiting.await(20, TimeUnit.SECONDS)).isTrue();
            clock.advance(Duration.ofSeconds(1)); // the worker notices when its (real) wait of up to 1 s ends
            x.get(20, TimeUnit.SECONDS);
            y.get(20, TimeUnit.SECONDS);
            gate.awaitBatches(2);
            assertThat(gate.batches.get(1)).containsExactly(2, 2);
        }
    }

    @Test
    void aCancelledRequestIsSkippedAndTheOneBehindItStillRuns() throws Exception {
        // Gathering a batch, the worker meets a cancelled request: it drops that one only.
        Gate gate = new Gate();
        try (BatchingClassifier b = stoppedClock(ONE_WORKER, gate)) {
            gate.hold(b);
            CompletableFuture<List<Prediction>> a = b.submit(List.of("goal"));
            CompletableFuture<List<Prediction>> cancelled = b.submit(List.of("team"));
            CompletableFuture<List<Prediction>> c = b.submit(List.of("market shares"));
            cancelled.cancel(false);
            gate.release.countDown();
            assertSamePredictions(a.get(20, TimeUnit.SECONDS), TINY.predictBatch(List.of("goal")));
            assertSamePredictions(c.get(20, TimeUnit.SECONDS), TINY.predictBatch(List.of("market shares")));
            gate.awaitBatches(2);
            assertThat(gate.batches.get(1)).containsExactly(2, 2);
            assertThat(b.queuedTexts()).isZero();
        }
    }

    @Test
    void aBatchNeverExceedsMaxBatchTextsButALargeRequestRunsWhole() throws Exception {
        Gate gate = new Gate();
        try (BatchingClassifier b = stoppedClock(ONE_WORKER.withMaxBatchTexts(4), gate)) {
            gate.hold(b);
            List<CompletableFuture<List<Prediction>>> waiting = new ArrayList<>();
            for (int i = 0; i < 9; i++) waiting.add(b.submit(List.of("goal " + i)));
            waiting.add(b.submit(ClassifierTest.texts(7, 5))); // larger than a batch: alone and whole
            gate.release.countDown();
            for (CompletableFuture<List<Prediction>> f : waiting) f.get(20, TimeUnit.SECONDS);
            gate.awaitBatches(5);
            List<Integer> sizes = gate.batches.subList(1, gate.batches.size()).stream().map(x -> x[0]).toList();
            assertThat(sizes).containsExactly(4, 4, 1, 7);
        }
    }

    @Test
    void aFullQueueRefusesInsteadOfGrowing() throws Exception {
        Gate gate = new Gate();
        try (BatchingClassifier b = stoppedClock(ONE_WORKER.withMaxQueuedTexts(5), gate)) {
            gate.hold(b);
            CompletableFuture<List<Prediction>> a = b.submit(ClassifierTest.texts(3, 1));
            CompletableFuture<List<Prediction>> c = b.submit(ClassifierTest.texts(3, 2)); // 6 > 5
            assertThat(c).isCompletedExceptionally();
            assertThatThrownBy(c::join).hasCauseInstanceOf(OverloadedException.class)
                    .cause().satisfies(e -> assertThat(((OverloadedException) e).reason()).isEqualTo(OverloadedException.Reason.QUEUE_FULL))
                    .hasMessageContaining("queue is full");
            CompletableFuture<List<Prediction>> d = b.submit(ClassifierTest.texts(2, 3)); // 5: still fits
            gate.release.countDown();
            assertThat(a.get(20, TimeUnit.SECONDS)).hasSize(3);
            assertThat(d.get(20, TimeUnit.SECONDS)).hasSize(2);
        }
    }

    @Test
    void aRequestStuckInTheQueuePastItsTimeoutFailsWithoutWaitingForTheWorker() throws Exception {
        Gate gate = new Gate();
        Clock clock = new Clock();
        try (BatchingClassifier b = new BatchingClassifier(TINY, ONE_WORKER.withTimeout(Duration.ofMillis(50)), gate, clock)) {
            gate.hold(b);
            CompletableFuture<List<Prediction>> late = b.submit(List.of("market shares"));
            // The worker stays held: only the timeout sweep can answer this future. At its deadline it is not late yet.
            clock.advance(Duration.ofMillis(50));
            clock.awaitSweep();
            assertThat(late).isNotDone();
            clock.advance(Duration.ofNanos(1));
            assertThatThrownBy(() -> late.get(20, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(OverloadedException.class).hasMessageContaining("waited longer than 50 ms")
                    .satisfies(e -> assertThat(((OverloadedException) e).reason()).isEqualTo(OverloadedException.Reason.TIMED_OUT));
            assertThat(b.queuedTexts()).isZero();
            gate.release.countDown();
        }
    }

    @Test
    void shutdownFinishesQueuedWorkThenRefusesNewRequests() throws Exception {
        Gate gate = new Gate();
        BatchingClassifier b = stoppedClock(ONE_WORKER, gate);
        gate.hold(b);
        List<CompletableFuture<List<Prediction>>> queued = new ArrayList<>();
        for (int i = 0; i < 5; i++) queued.add(b.submit(List.of("team " + i)));
        CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(() -> b.shutdown(Duration.ofSeconds(20)));
        // Shutting down: new requests are refused at once, queued ones wait for the worker. Until the
        // shutdown thread starts, probes are queued (at most 3000 of the 4096 texts allowed: never QUEUE_FULL).
        List<CompletableFuture<List<Prediction>>> probe = new ArrayList<>();
        await(() -> {
            probe.add(b.submit(List.of("late")));
            if (probe.get(probe.size() - 1).isCompletedExceptionally()) return true;
            try {
                Thread.sleep(9);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return false;
        }, "new requests refused");
        CompletableFuture<List<Prediction>> refused = probe.get(probe.size() - 1);
        assertThatThrownBy(refused::join).cause().isInstanceOf(OverloadedException.class)
                .satisfies(e -> assertThat(((OverloadedException) e).reason()).isEqualTo(OverloadedException.Reason.SHUT_DOWN));
        gate.release.countDown();
        assertThat(drained.get(20, TimeUnit.SECONDS)).isTrue();
        for (CompletableFuture<List<Prediction>> f : queued) assertThat(f.get()).hasSize(1);
    }

    @Test
    void explainRunsOnAWorkerAndMatchesTheClassifier() throws Exception {
        try (BatchingClassifier b = new BatchingClassifier(TINY, ONE_WORKER)) {
            Prediction p = b.submitExplain("the team wins the match").get(20, TimeUnit.SECONDS);
            Prediction expected = TINY.explain("the team wins the match");
            assertThat(p.explanation()).isEqualTo(expected.explanation());
            assertThat(p.probabilities()).isEqualTo(expected.probabilities());
        }
    }

    @Test
    void aFailingBatchFailsItsRequestsAndTheWorkerLivesOn() throws Exception {
        try (BatchingClassifier b = new BatchingClassifier(TINY, ONE_WORKER)) {
            String tooLong = "goal ".repeat(Classifier.MAX_EXPLAIN_TOKENS + 1);
            assertThatThrownBy(() -> b.submitExplain(tooLong).get(20, TimeUnit.SECONDS))
                    .cause().isInstanceOf(org.jrnn.errors.UserInputException.class);
            assertThat(b.submit(List.of("goal")).get(20, TimeUnit.SECONDS)).hasSize(1);
        }
    }

    @Test
    void anEmptyRequestIsAnsweredAtOnceAndOptionsAreChecked() {
        try (BatchingClassifier b = new BatchingClassifier(TINY, ONE_WORKER)) {
            assertThat(b.submit(List.of()).join()).isEmpty();
        }
        assertThatThrownBy(() -> ONE_WORKER.withMaxBatchTexts(0)).hasMessageContaining("maxBatchTexts must be >= 1, received: 0");
        assertThatThrownBy(() -> ONE_WORKER.withMaxWait(Duration.ofSeconds(2))).hasMessageContaining("maxWait must be between 0 and 1 s");
        assertThatThrownBy(() -> ONE_WORKER.withTimeout(Duration.ZERO)).hasMessageContaining("timeout must be > 0");
        assertThatThrownBy(() -> ONE_WORKER.withWorkers(0)).hasMessageContaining("workers must be >= 1");
        assertThatThrownBy(() -> ONE_WORKER.withMaxQueuedTexts(0)).hasMessageContaining("maxQueuedTexts must be >= 1");
    }
}
