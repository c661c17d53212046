package org.jrnn.train;

import java.nio.file.Path;
import org.jrnn.errors.InvalidOptionException;

/**
 * Where and how a run executes. The thread count is part of the numbers (each thread sums its shard's
 * gradients), so a checkpoint continues only with the same count.
 *
 * @param checkpointDir save a checkpoint here, or null for none
 * @param checkpointEvery optimizer steps between checkpoints (0 = at epoch ends only)
 * @param resume continue the checkpoint in {@code checkpointDir}
 */
public record RunConfig(int threads, Path checkpointDir, int checkpointEvery, boolean resume) {
    /** Steps between checkpoints unless chosen. */
    public static final int DEFAULT_CHECKPOINT_EVERY = 500;

    public RunConfig {
        if (threads < 1) throw InvalidOptionException.of("threads", "must be >= 1, received: " + threads);
        if (checkpointEvery < 0) throw InvalidOptionException.of("checkpointEvery", "must be >= 0 (0 = epoch ends only), received: " + checkpointEvery);
        if (resume && checkpointDir == null) throw new InvalidOptionException(n -> n.apply("resume") + " needs " + n.apply("checkpointDir"));
    }

    /** All available processors, no checkpoints. */
    public static RunConfig defaults() {
        return new RunConfig(Runtime.getRuntime().availableProcessors(), null, DEFAULT_CHECKPOINT_EVERY, false);
    }
}
