package org.jrnn.train;

import org.jrnn.model.EpochMetrics;

/** Progress callbacks of {@link Trainer#fit}; the CLI draws progress bars from them. */
public interface TrainingListener {
    default void epochStarted(int epoch, int epochs, int batches) {}

    /** After each batch: running mean loss and accuracy of the epoch so far. */
    default void batchFinished(int batch, double runningLoss, double runningAccuracy) {}

    default void epochFinished(EpochMetrics m) {}

    /** Training continues a checkpoint at this epoch (1-based), batch and global step. */
    default void resumed(int epoch, int batch, long step) {}

    /** Early stopping ended training after {@code epoch}; weights are restored to {@code bestEpoch}. */
    default void earlyStopped(int epoch, int bestEpoch) {}

    /** Something the user should know that does not stop training (one line, e.g. a resume that will not be bit-identical). */
    default void warning(String message) {}

    TrainingListener NONE = new TrainingListener() {};
}
