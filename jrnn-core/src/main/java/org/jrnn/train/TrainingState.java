package org.jrnn.train;

import org.jrnn.model.EpochMetrics;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Where a fit loop is: enough to continue it bit for bit after a crash. Weights and Adam
 * moments live in the model and optimizer; this holds the position (epoch, next batch),
 * the epoch's running sums, the history and early stopping's memory. Random state needs no
 * saving: the order and dropout masks are functions of (seed, epoch, batch).
 *
 * <p>Only {@link Trainer} moves it and only {@link Checkpoint} restores it (package-private
 * fields); everyone else reads it through the accessors.
 */
public final class TrainingState {
    /** 0-based epoch in progress. */
    int epoch;
    /** Next batch of that epoch to run. */
    int batch;
    long step;
    double lossSum;
    long correct;
    long seen;
    long tokens;
    /** Training seconds of the current epoch before the last checkpoint (timings are not replayed). */
    double epochSeconds;
    final List<EpochMetrics> history = new ArrayList<>();
    double bestLoss = Double.POSITIVE_INFINITY;
    int bestEpoch;
    /** Weights of the best epoch so far (early stopping), or null. */
    float[][] best;
    boolean stopped;
    /**
     * The kernels ({@link org.jrnn.kernels.Kernels#numerics()}) that computed a restored state, or null
     * for a fresh state or a checkpoint that did not record them.
     */
    String kernels;

    /** A fresh state: epoch 1, batch 1, nothing seen. */
    public TrainingState() {}

    void startEpoch(int e) {
        epoch = e;
        batch = 0;
        lossSum = 0;
        correct = 0;
        seen = 0;
        tokens = 0;
        epochSeconds = 0;
    }

    /** 0-based epoch in progress (equal to the number of finished epochs). */
    public int epoch() {
        return epoch;
    }

    /** 0-based index of the next batch of that epoch. */
    public int batch() {
        return batch;
    }

    /** Optimizer steps taken over the whole run. */
    public long step() {
        return step;
    }

    /** The finished epochs' metrics, unmodifiable. */
    public List<EpochMetrics> history() {
        return Collections.unmodifiableList(history);
    }

    /** True once early stopping has ended the run. */
    public boolean stopped() {
        return stopped;
    }

    /** See {@link #kernels}: null unless restored from a checkpoint that recorded them. */
    public String kernels() {
        return kernels;
    }
}
