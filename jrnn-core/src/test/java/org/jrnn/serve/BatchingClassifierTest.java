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
import org.jrnn.io.TestModels;
import org.junit.jupiter.api.Test;

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
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Submits one request and waits until the worker is held inside the listener. */
        void hold(BatchingClassifier b) throws Exception {
            b.submit(List.of("the team wins")).get(20, TimeUnit.SECONDS);
            assertThat(entered.await(20, TimeUnit.SECONDS)).isTrue();
        }
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
        try (BatchingClassifier b = new BatchingClassifier(TINY,
                BatchingClassifier.Options.defaults().withWorkers(2).withMaxBatchTexts(16))) {
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
        try (BatchingClassifier b = new BatchingClassifier(TINY, ONE_WORKER, gate)) {
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
            assertThat(gate.batches).hasSize(2);
            assertThat(gate.batches.get(1)).containsExactly(texts, 10);
            assertThat(b.queuedTexts()).isZero();
        }
    }

    @Test
    void aLoneBatchSplitAcrossAnIdleWorkerGivesExactlyTheSamePredictions() throws Exception {
        // Two workers, one request at a time: the other worker is idle and the queue empty, so each
        // batch runs in two halves side by side; the answers must be those of one predictBatch.
        try (BatchingClassifier b = new BatchingClassifier(TINY, ONE_WORKER.withWorkers(2))) {
            for (int i = 0; i < 30; i++) {
                List<String> texts = ClassifierTest.texts(2 + i % 9, 500 + i);
                assertSamePredictions(b.submit(texts).get(20, TimeUnit.SECONDS), TINY.predictBatch(texts));
            }
        }
    }

    @Test
    void aLoneRequestDoesNotWaitForCompany() throws Exception {
        // maxWait 1 s: ten requests one after another would take >= 10 s if each waited for more.
        // The bound is 5 s, not a speed figure: the work itself takes milliseconds.
        try (BatchingClassifier b = new BatchingClassifier(TINY, ONE_WORKER.withMaxWait(Duration.ofSeconds(1)))) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 10; i++) b.submit(List.of("goal " + i)).get(20, TimeUnit.SECONDS);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void queuedRequestsWaitUpToMaxWaitForMoreUnderLoad() throws Exception {
        Gate gate = new Gate();
        try (BatchingClassifier b = new BatchingClassifier(TINY, ONE_WORKER.withMaxWait(Duration.ofSeconds(1)), gate)) {
            gate.hold(b);
            CompletableFuture<List<Prediction>> x = b.submit(List.of("goal"));
            CompletableFuture<List<Prediction>> y = b.submit(List.of("team"));
            gate.release.countDown();
            // The worker found two queued requests: it waits (up to 1 s) for more, so a third joins them.
            Thread.sleep(100);
            CompletableFuture<List<Prediction>> z = b.submit(List.of("market"));
            x.get(20, TimeUnit.SECONDS);
            y.get(20, TimeUnit.SECONDS);
            z.get(20, TimeUnit.SECONDS);
            assertThat(gate.batches.get(1)).containsExactly(3, 3);
        }
    }

    @Test
    void aCancelledRequestIsSkippedAndTheOneBehindItStillRuns() throws Exception {
        // Gathering a batch, the worker meets a cancelled request: it drops that one only.
        Gate gate = new Gate();
        try (BatchingClassifier b = new BatchingClassifier(TINY, ONE_WORKER, gate)) {
            gate.hold(b);
            CompletableFuture<List<Prediction>> a = b.submit(List.of("goal"));
            CompletableFuture<List<Prediction>> cancelled = b.submit(List.of("team"));
            CompletableFuture<List<Prediction>> c = b.submit(List.of("market shares"));
            cancelled.cancel(false);
            gate.release.countDown();
            assertSamePredictions(a.get(20, TimeUnit.SECONDS), TINY.predictBatch(List.of("goal")));
            assertSamePredictions(c.get(20, TimeUnit.SECONDS), TINY.predictBatch(List.of("market shares")));
            assertThat(b.queuedTexts()).isZero();
        }
    }

    @Test
    void aBatchNeverExceedsMaxBatchTextsButALargeRequestRunsWhole() throws Exception {
        Gate gate = new Gate();
        try (BatchingClassifier b = new BatchingClassifier(TINY, ONE_WORKER.withMaxBatchTexts(4), gate)) {
            gate.hold(b);
            List<CompletableFuture<List<Prediction>>> waiting = new ArrayList<>();
            for (int i = 0; i < 9; i++) waiting.add(b.submit(List.of("goal " + i)));
            waiting.add(b.submit(ClassifierTest.texts(7, 5))); // larger than a batch: alone and whole
            gate.release.countDown();
            for (CompletableFuture<List<Prediction>> f : waiting) f.get(20, TimeUnit.SECONDS);
            List<Integer> sizes = gate.batches.subList(1, gate.batches.size()).stream().map(x -> x[0]).toList();
            assertThat(sizes).containsExactly(4, 4, 1, 7);
        }
    }

    @Test
    void aFullQueueRefusesInsteadOfGrowing() throws Exception {
        Gate gate = new Gate();
        try (BatchingClassifier b = new BatchingClassifier(TINY, ONE_WORKER.withMaxQueuedTexts(5), gate)) {
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
        try (BatchingClassifier b = new BatchingClassifier(TINY, ONE_WORKER.withTimeout(Duration.ofMillis(50)), gate)) {
            gate.hold(b);
            CompletableFuture<List<Prediction>> late = b.submit(List.of("market shares"));
            // The worker stays held: only the timeout sweep can answer this future.
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
        BatchingClassifier b = new BatchingClassifier(TINY, ONE_WORKER, gate);
        gate.hold(b);
        List<CompletableFuture<List<Prediction>>> queued = new ArrayList<>();
        for (int i = 0; i < 5; i++) queued.add(b.submit(List.of("team " + i)));
        CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(() -> b.shutdown(Duration.ofSeconds(20)));
        // Shutting down: new requests are refused at once, queued ones wait for the worker.
        CompletableFuture<List<Prediction>> refused = null;
        for (int i = 0; i < 2000 && (refused == null || !refused.isCompletedExceptionally()); i++) {
            refused = b.submit(List.of("late"));
            if (!refused.isCompletedExceptionally()) Thread.sleep(1); // the shutdown thread has not started yet
        }
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
