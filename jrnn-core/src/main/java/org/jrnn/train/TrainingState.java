package org.jrnn.train;

import org.jrnn.model.EpochMetrics;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a fit loop is: enough to continue it bit for bit after a crash. Weights and Adam
 * moments live in the model and optimizer; this holds the position (epoch, next batch),
 * the epoch's running sums, the history and early stopping's memory. Random state needs no
 * saving: the order and dropout masks are functions of (seed, epoch, batch).
 */
public final class TrainingState {
    /** 0-based epoch in progress. */
    public int epoch;
    /** Next batch of that epoch to run. */
    public int batch;
    public long step;
    public double lossSum;
    public long correct;
    public long seen;
    public long tokens;
    /** Training seconds of the current epoch before the last checkpoint (timings are not replayed). */
    public double epochSeconds;
    public final List<EpochMetrics> history = new ArrayList<>();
    public double bestLoss = Double.POSITIVE_INFINITY;
    public int bestEpoch;
    /** Weights of the best epoch so far (early stopping), or null. */
    public float[][] best;
    public boolean stopped;

    void startEpoch(int e) {
        epoch = e;
        batch = 0;
        lossSum = 0;
        correct = 0;
        seen = 0;
        tokens = 0;
        epochSeconds = 0;
    }
}
