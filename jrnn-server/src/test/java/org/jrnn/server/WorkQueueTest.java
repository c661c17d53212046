package org.jrnn.server;

// The tagger and language-model engine without HTTP: arrival order, the bound on queued units, the queue
// timeout, a failing task, and shutdown (queued work fails, running work finishes or is told to stop).

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jrnn.serve.OverloadedException;
import org.junit.jupiter.api.Test;

class WorkQueueTest {
    static OverloadedException.Reason reason(CompletableFuture<?> f) {
        try {
            f.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(OverloadedException.class);
            return ((OverloadedException) e.getCause()).reason();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("completed normally");
    }

    @Test
    void oneWorkerRunsTasksInArrivalOrderAndCountsUnits() throws Exception {
        List<Integer> seen = new ArrayList<>();
        List<Integer> units = new ArrayList<>();
        WorkQueue q = new WorkQueue("t", 1, 100, Duration.ofSeconds(30), u -> {
            synchronized (units) {
                units.add(u);
            }
        });
        List<CompletableFuture<Integer>> fs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            int n = i;
            fs.add(q.submit(1 + i % 3, stop -> {
                synchronized (seen) {
                    seen.add(n);
                }
                return n * 10;
            }));
        }
        for (int i = 0; i < 20; i++) assertThat(fs.get(i).get(30, TimeUnit.SECONDS)).isEqualTo(i * 10);
        assertThat(seen).containsExactlyElementsOf(java.util.stream.IntStream.range(0, 20).boxed().toList());
        assertThat(q.shutdown(Duration.ofSeconds(5))).isTrue();
        synchronized (units) {
            assertThat(units.stream().mapToInt(Integer::intValue).sum()).isEqualTo(java.util.stream.IntStream.range(0, 20).map(i -> 1 + i % 3).sum());
        }
    }

    @Test
    void aFullQueueAndATimeoutAreRefusedAndAFailingTaskFailsOnlyItsFuture() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(1);
        WorkQueue q = new WorkQueue("t", 1, 3, Duration.ofMillis(200), WorkQueue.Listener.NONE);
        CompletableFuture<String> blocker = q.submit(1, stop -> {
            running.countDown();
            await(release);
            return "done";
        });
        assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<String> queued = q.submit(3, stop -> "never");
        assertThat(reason(q.submit(1, stop -> "over"))).isEqualTo(OverloadedException.Reason.QUEUE_FULL);
        assertThat(reason(queued)).isEqualTo(OverloadedException.Reason.TIMED_OUT); // the worker is held past the timeout
        assertThat(q.queuedUnits()).isZero();
        release.countDown();
        assertThat(blocker.get(30, TimeUnit.SECONDS)).isEqualTo("done");
        CompletableFuture<String> failing = q.submit(1, stop -> {
            throw new IllegalStateException("boom");
        });
        assertThatThrownBy(() -> failing.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(IllegalStateException.class);
        assertThat(q.submit(1, stop -> "alive").get(30, TimeUnit.SECONDS)).isEqualTo("alive");
        q.shutdown(Duration.ofSeconds(5));
    }

    @Test
    void shutdownLetsRunningWorkFinishFailsWhatIsQueuedAndThenTellsRunningWorkToStop() throws Exception {
        WorkQueue q = new WorkQueue("t", 1, 10, Duration.ofSeconds(30), WorkQueue.Listener.NONE);
        CountDownLatch running = new CountDownLatch(1);
        AtomicBoolean sawStop = new AtomicBoolean();
        CompletableFuture<String> endless = q.submit(1, stop -> {
            running.countDown();
            while (!stop.getAsBoolean()) Thread.onSpinWait();
            sawStop.set(true);
            return "stopped";
        });
        assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<String> queued = q.submit(1, stop -> "never");
        assertThat(q.shutdown(Duration.ofMillis(100))).isFalse(); // the endless task outlived the wait
        assertThat(endless.get(30, TimeUnit.SECONDS)).isEqualTo("stopped");
        assertThat(sawStop).isTrue();
        assertThat(reason(queued)).isEqualTo(OverloadedException.Reason.SHUT_DOWN);
        assertThat(reason(q.submit(1, stop -> "late"))).isEqualTo(OverloadedException.Reason.SHUT_DOWN);

        WorkQueue q2 = new WorkQueue("t2", 2, 10, Duration.ofSeconds(30), WorkQueue.Listener.NONE);
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<Boolean> finite = q2.submit(1, stop -> {
            started.countDown();
            sleep(200);
            return stop.getAsBoolean();
        });
        assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(q2.shutdown(Duration.ofSeconds(30))).isTrue(); // drained: the running task finished in time
        assertThat(finite.get(30, TimeUnit.SECONDS)).isFalse();     // and was never told to stop
    }

    static void await(CountDownLatch l) {
        try {
            l.await();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
