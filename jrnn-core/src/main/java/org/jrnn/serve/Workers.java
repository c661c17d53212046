package org.jrnn.serve;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** What the request engines ({@link BatchingClassifier}, the server's queue for taggers and generators) share about their threads. */
public final class Workers {
    private Workers() {}

    /**
     * Waits for every thread to end, all of them within {@code wait} in total (not each), and tells
     * whether they did. An interrupt is kept for the caller and ends the wait for that thread.
     */
    public static boolean joinAll(Thread[] threads, Duration wait) {
        long until = System.nanoTime() + wait.toNanos();
        boolean ended = true;
        for (Thread w : threads) {
            try {
                long left = until - System.nanoTime();
                if (left > 0) w.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ended &= !w.isAlive();
        }
        return ended;
    }
}
