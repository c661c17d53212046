package org.jrnn.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.Test;

/**
 * The pool behind jrnn's data parallelism: every task or index runs exactly once, the split of
 * ranges is fixed by (total, threads) alone, task 0 runs on the caller, a worker's failure
 * reaches the caller after all tasks finished and the pool stays usable, close() ends the workers.
 */
class ParallelTest {
    static final int[] THREADS = {1, 2, 3, 4, 7};
    static final int[] SIZES = {0, 1, 2, 3, 5, 6, 7, 8, 13, 64, 1000, 1001};

    @Test
    void forEachRunsEveryTaskExactlyOnce() {
        for (int threads : THREADS) {
            try (Parallel p = new Parallel(threads)) {
                for (int n : SIZES) {
                    AtomicIntegerArray runs = new AtomicIntegerArray(Math.max(n, 1));
                    p.forEach(n, runs::incrementAndGet);
                    for (int i = 0; i < n; i++) assertThat(runs.get(i)).as("threads %d, n %d, task %d", threads, n, i).isEqualTo(1);
                    if (n == 0) assertThat(runs.get(0)).as("n 0 runs nothing").isZero();
                }
            }
        }
    }

    @Test
    void forRangesCoversEveryIndexOnceInFixedBalancedParts() {
        for (int threads : THREADS) {
            try (Parallel p = new Parallel(threads)) {
                for (int total : SIZES) {
                    int parts = Math.min(threads, Math.max(1, total));
                    AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(total, 1));
                    List<int[]> ranges = Collections.synchronizedList(new ArrayList<>());
                    p.forRanges(total, (from, to) -> {
                        ranges.add(new int[] {from, to});
                        for (int i = from; i < to; i++) hits.incrementAndGet(i);
                    });
                    String at = "threads " + threads + ", total " + total;
                    for (int i = 0; i < total; i++) assertThat(hits.get(i)).as("%s, index %d", at, i).isEqualTo(1);
                    assertThat(ranges).as(at).hasSize(parts);
                    ranges.sort((a, b) -> Integer.compare(a[0], b[0]));
                    for (int i = 0; i < parts; i++) {
                        // Part i is [total·i/parts, total·(i+1)/parts): contiguous, in order, sizes differing by at most 1.
                        assertThat(ranges.get(i)).as("%s, part %d", at, i)
                                .containsExactly((int) ((long) total * i / parts), (int) ((long) total * (i + 1) / parts));
                        int size = ranges.get(i)[1] - ranges.get(i)[0];
                        assertThat(size).as("%s, part %d", at, i).isBetween(total / parts, (total + parts - 1) / parts);
                        if (total > 0) assertThat(size).as("%s: no empty part", at).isPositive();
                    }
                }
            }
        }
    }

    @Test
    void theSplitDoesNotDependOnWhichThreadRunsAPart() {
        try (Parallel p = new Parallel(3)) {
            for (int round = 0; round < 20; round++) {
                AtomicReferenceArray<String> byPart = new AtomicReferenceArray<>(3);
                p.forRanges(100, (from, to) -> byPart.set(from == 0 ? 0 : from == 33 ? 1 : 2, from + ".." + to));
                assertThat(List.of(byPart.get(0), byPart.get(1), byPart.get(2))).containsExactly("0..33", "33..66", "66..100");
            }
        }
    }

    @Test
    void taskZeroRunsOnTheCallerAndOneThreadRunsEverythingThere() {
        Thread caller = Thread.currentThread();
        try (Parallel one = new Parallel(1)) {
            Set<Thread> seen = ConcurrentHashMap.newKeySet();
            one.forEach(10, i -> seen.add(Thread.currentThread()));
            assertThat(seen).containsExactly(caller);
            assertThat(one.threads()).isEqualTo(1);
        }
        try (Parallel p = new Parallel(3)) {
            assertThat(p.threads()).isEqualTo(3);
            AtomicReferenceArray<Thread> ran = new AtomicReferenceArray<>(6);
            CountDownLatch allStarted = new CountDownLatch(3);
            p.forEach(6, i -> {
                ran.set(i, Thread.currentThread());
                if (i < 3) { // tasks 0, 1, 2 wait for each other: three threads are in use at once
                    allStarted.countDown();
                    await(allStarted);
                }
            });
            assertThat(ran.get(0)).isSameAs(caller);
            for (int i = 1; i < 6; i++) {
                assertThat(ran.get(i)).as("task %d", i).isNotSameAs(caller);
                assertThat(ran.get(i).getName()).isEqualTo("jrnn-worker");
                assertThat(ran.get(i).isDaemon()).as("a worker never keeps the JVM alive").isTrue();
            }
        }
        assertThatThrownBy(() -> new Parallel(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("threads must be >= 1, received: 0");
    }

    @Test
    void aWorkersFailureReachesTheCallerAfterAllTasksAndThePoolStaysUsable() {
        try (Parallel p = new Parallel(3)) {
            for (Throwable planted : new Throwable[] {new IllegalStateException("boom"), new AssertionError("bang")}) {
                AtomicInteger finished = new AtomicInteger();
                Throwable seen = catchThrowable(() -> p.forEach(8, i -> {
                    if (i == 5) sneakyThrow(planted);
                    finished.incrementAndGet();
                }));
                assertThat(seen).as("the very exception, not a wrapper").isSameAs(planted);
                assertThat(finished.get()).as("the other seven tasks ran").isEqualTo(7);
                AtomicInteger after = new AtomicInteger();
                p.forEach(8, i -> after.incrementAndGet());
                assertThat(after.get()).as("usable afterwards").isEqualTo(8);
            }
        }
    }

    @Test
    void theLowestFailingTaskWinsAndTheCallerWaitsForTheWorkers() {
        try (Parallel p = new Parallel(3)) {
            for (Throwable planted : new Throwable[] {new IllegalArgumentException("task 0"), new AssertionError("task 0")}) {
                CountDownLatch release = new CountDownLatch(1);
                AtomicInteger finished = new AtomicInteger();
                Throwable seen = catchThrowable(() -> p.forEach(3, i -> {
                    if (i == 0) {
                        release.countDown(); // the workers finish only after task 0 has failed
                        sneakyThrow(planted);
                    }
                    await(release);
                    finished.incrementAndGet();
                    if (i == 2) throw new IllegalStateException("task 2");
                }));
                assertThat(seen).isSameAs(planted);
                assertThat(finished.get()).as("forEach returned only after tasks 1 and 2").isEqualTo(2);
            }
            Throwable checked = catchThrowable(() -> p.forEach(2, i -> {
                if (i == 1) sneakyThrow(new java.io.IOException("disk"));
            }));
            assertThat(checked).isInstanceOf(IllegalStateException.class).hasCauseInstanceOf(java.io.IOException.class);
        }
    }

    @Test
    void closeEndsTheWorkersAndRefusesFurtherParallelWork() throws InterruptedException {
        Parallel p = new Parallel(3);
        Set<Thread> workers = ConcurrentHashMap.newKeySet();
        CountDownLatch allStarted = new CountDownLatch(3);
        p.forEach(3, i -> {
            if (i > 0) workers.add(Thread.currentThread());
            allStarted.countDown();
            await(allStarted);
        });
        assertThat(workers).hasSize(2);
        p.close();
        p.close(); // twice is fine
        for (Thread t : workers) {
            t.join(TimeUnit.SECONDS.toMillis(60)); // a bound against hanging the build, not a timing assertion
            assertThat(t.isAlive()).as("worker ended by close()").isFalse();
        }
        assertThatThrownBy(() -> p.forEach(2, i -> { })).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        AtomicInteger ran = new AtomicInteger();
        p.forEach(1, i -> ran.incrementAndGet()); // a single task needs no worker
        assertThat(ran.get()).isEqualTo(1);
        new Parallel(1).close();
    }

    static void await(CountDownLatch latch) {
        try {
            if (!latch.await(60, TimeUnit.SECONDS)) throw new AssertionError("latch not released: too few threads?");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @SuppressWarnings("unchecked")
    static <T extends Throwable> void sneakyThrow(Throwable t) throws T {
        throw (T) t;
    }
}
