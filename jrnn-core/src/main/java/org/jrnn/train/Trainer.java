package org.jrnn.train;

import org.jrnn.model.EpochMetrics;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.jrnn.data.EncodedDataset;
import org.jrnn.data.StepDataset;
import org.jrnn.kernels.Parallel;
import org.jrnn.nn.Embedding;
import org.jrnn.nn.Gradients;
import org.jrnn.nn.Matrix;
import org.jrnn.nn.Param;
import org.jrnn.nn.PerStepCrossEntropy;
import org.jrnn.nn.SequenceBatch;
import org.jrnn.nn.Sequential;
import org.jrnn.nn.SoftmaxCrossEntropy;
import org.jrnn.optim.Adam;

/**
 * The fit loop: shuffle (SplitMix64, seed + epoch), batches, forward, fused softmax-CE,
 * backward, Adam, then validation — Keras' {@code model.fit} with one optimizer step per
 * batch. With several threads each batch is cut into contiguous shards (sequences are
 * independent); every shard has its own gradient buffers, summed in shard order, so a run is
 * deterministic for a given seed and thread count.
 *
 * <p>The same loop trains per-step models (language models, taggers): {@link #fitSteps} on a
 * {@link StepDataset}, one optimizer step per batch of (tokens, targets) with the masked per-step
 * cross-entropy ({@link PerStepCrossEntropy}, mean over the batch's counted steps). Loss and
 * accuracy are then per counted step, and {@link EpochMetrics#samples()} counts steps, not rows.
 * Everything else (shuffle, shards, clipping, Adam, early stopping, checkpoints) is shared.
 */
public final class Trainer implements AutoCloseable {
    private final Sequential model;
    private final Adam optimizer;
    private final List<Param> params;
    private final List<Param> layerParams; // everything but the embedding
    private final Embedding embedding;
    private final Parallel parallel;
    private final Shard[] shards;
    private int[] lastIds = new int[0];
    private boolean bucketBySequenceLength;
    private int patience;
    private boolean lazyEmbedding;
    private int checkpointEvery;
    private double clipNorm;

    /** One thread's gradient buffers for the layers after the embedding. */
    private static final class Shard implements Gradients {
        final Map<Param, float[]> grads = new IdentityHashMap<>();
        double lossSum; // the shard's loss: its share of the batch mean (classification), summed over its steps (per-step)
        int correct;
        Matrix dEmbedded;
        int[] ids;

        Shard(List<Param> ps) {
            for (Param p : ps) grads.put(p, new float[p.size()]);
        }

        @Override
        public float[] of(Param p) {
            float[] g = grads.get(p);
            if (g == null) throw new IllegalStateException("no shard buffer for " + p.name());
            return g;
        }

        void zero() {
            for (float[] g : grads.values()) Arrays.fill(g, 0f);
        }
    }

    public Trainer(Sequential model, Adam optimizer) {
        this(model, optimizer, 1);
    }

    public Trainer(Sequential model, Adam optimizer, int threads) {
        if (model.outputIsSequence()) model.checkPerStep();
        else model.checkClassifier();
        if (model.outputActivation() != Sequential.OutputActivation.SOFTMAX) {
            throw new org.jrnn.errors.UserInputException("this model's head is " + model.outputActivation().kerasName()
                    + " (kept from a Keras import, for prediction only); jrnn trains softmax classifiers");
        }
        this.model = model;
        this.optimizer = optimizer;
        this.params = model.params();
        this.embedding = model.embedding();
        this.layerParams = new ArrayList<>(params);
        layerParams.remove(embedding.weight());
        this.parallel = new Parallel(threads);
        optimizer.parallel(parallel);
        this.shards = new Shard[threads];
        for (int i = 0; i < threads; i++) shards[i] = new Shard(layerParams);
    }

    public Sequential model() {
        return model;
    }

    /**
     * Early stopping on validation loss (Keras EarlyStopping(monitor="val_loss", patience,
     * restore_best_weights=True)): stop after {@code patience} epochs without a lower
     * validation loss and restore the best epoch's weights. 0 = off.
     */
    public Trainer earlyStopping(int patience) {
        if (patience < 0) throw new IllegalArgumentException("patience must be >= 0, received: " + patience);
        this.patience = patience;
        return this;
    }

    private float[][] snapshot() {
        float[][] s = new float[params.size()][];
        for (int i = 0; i < s.length; i++) s[i] = params.get(i).data.clone();
        return s;
    }

    private void restore(float[][] s) {
        for (int i = 0; i < s.length; i++) System.arraycopy(s[i], 0, params.get(i).data, 0, s[i].length);
    }

    /**
     * Lazy Adam for the embedding (PyTorch SparseAdam semantics, see {@link Adam#lazyRows}):
     * each step updates only the rows the batch used, instead of all V rows.
     */
    public Trainer lazyEmbeddingUpdates(boolean on) {
        this.lazyEmbedding = on;
        if (on) optimizer.lazyRows(embedding.weight(), embedding.dim());
        return this;
    }

    /** Batches of similar lengths (Keras bucket_by_sequence_length); off by default, as the anchor. */
    public Trainer bucketBySequenceLength(boolean on) {
        this.bucketBySequenceLength = on;
        return this;
    }

    public int threads() {
        return parallel.threads();
    }

    /**
     * What {@link #fit} trains: data and schedule.
     *
     * @param validation scored after each epoch (and watched by early stopping), or null
     * @param seed decides each epoch's order (seed + epoch) and the dropout masks
     */
    public record Fit(EncodedDataset train, EncodedDataset validation, int epochs, int batchSize, long seed) {
        public Fit {
            java.util.Objects.requireNonNull(train, "train");
            if (epochs < 1) throw new IllegalArgumentException("epochs must be >= 1, received: " + epochs);
            if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, received: " + batchSize);
            if (train.size() == 0) throw new IllegalArgumentException("the training set is empty");
        }
    }

    /** What {@link #fitSteps} trains: per-step data and schedule, as {@link Fit}. */
    public record StepFit(StepDataset train, StepDataset validation, int epochs, int batchSize, long seed) {
        public StepFit {
            java.util.Objects.requireNonNull(train, "train");
            if (epochs < 1) throw new IllegalArgumentException("epochs must be >= 1, received: " + epochs);
            if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, received: " + batchSize);
            if (train.size() == 0) throw new IllegalArgumentException("the training set is empty");
        }
    }

    /** Trains from epoch 1 without checkpoints. Returns one entry per epoch. */
    public List<EpochMetrics> fit(Fit fit, TrainingListener listener) {
        return fit(fit, listener, new TrainingState(), null);
    }

    /** Receives the loop's state at checkpoint times (every N steps and at each epoch end). */
    public interface CheckpointSink {
        void save(TrainingState state);
    }

    /**
     * Continues the loop from {@code st} (a fresh state starts at epoch 1); calls
     * {@code checkpoints} (may be null) after every {@link #checkpointEvery} steps and at each epoch end.
     * Returns the whole history, the restored state's epochs included.
     */
    public List<EpochMetrics> fit(Fit fit, TrainingListener listener, TrainingState st, CheckpointSink checkpoints) {
        EncodedDataset train = fit.train();
        EncodedDataset validation = fit.validation();
        return loop(train.tokens(), fit.epochs(), fit.batchSize(), fit.seed(), (idx, dropoutSeed) -> {
            EncodedDataset rows = train.select(idx);
            Step r = trainStep(rows.tokens(), rows.labels(), dropoutSeed);
            return new Steps(r.loss(), r.correct(), idx.length);
        }, validation == null ? null : () -> evaluate(validation, 256), listener, st, checkpoints);
    }

    /** {@link #fitSteps(StepFit, TrainingListener, TrainingState, CheckpointSink)} from epoch 1 without checkpoints. */
    public List<EpochMetrics> fitSteps(StepFit fit, TrainingListener listener) {
        return fitSteps(fit, listener, new TrainingState(), null);
    }

    /**
     * The fit loop for a per-step model: as {@link #fit(Fit, TrainingListener, TrainingState, CheckpointSink)},
     * each batch a {@link #trainSteps} step, validation by {@link #evaluateSteps}.
     */
    public List<EpochMetrics> fitSteps(StepFit fit, TrainingListener listener, TrainingState st, CheckpointSink checkpoints) {
        StepDataset train = fit.train();
        StepDataset validation = fit.validation();
        return loop(train.tokens(), fit.epochs(), fit.batchSize(), fit.seed(), (idx, dropoutSeed) -> {
            StepDataset rows = train.select(idx);
            return trainSteps(rows.tokens(), rows.targets(), dropoutSeed);
        }, validation == null ? null : () -> evaluateSteps(validation, 256), listener, st, checkpoints);
    }

    /** One optimizer step on the rows {@code idx} of the training data. */
    private interface BatchStep {
        Steps run(int[] idx, long dropoutSeed);
    }

    /** The one fit loop: order, batches, steps, running figures, validation, early stopping, checkpoints. */
    private List<EpochMetrics> loop(int[][] tokens, int epochs, int batchSize, long seed, BatchStep step,
                                    java.util.function.Supplier<Evaluation> validate, TrainingListener listener,
                                    TrainingState st, CheckpointSink checkpoints) {
        while (!st.stopped && st.epoch < epochs) {
            int epoch = st.epoch;
            int[] order = Shuffle.permutation(tokens.length, seed + epoch);
            int[][] plan = Batching.plan(order, tokens, batchSize, bucketBySequenceLength, seed + epoch);
            int batches = plan.length;
            listener.epochStarted(epoch + 1, epochs, batches);
            long t0 = System.nanoTime();
            double secondsBefore = st.epochSeconds;
            for (int b = st.batch; b < batches; b++) {
                // Dropout masks depend on (seed, epoch, batch, shard) only, never on thread timing.
                Steps r = step.run(plan[b], seed * 1_000_003L + (long) epoch * 100_003L + b);
                if (r.count() > 0 && !Double.isFinite(r.loss())) {
                    throw new TrainingDivergedException("loss became " + r.loss() + " at epoch " + (epoch + 1) + ", batch " + (b + 1)
                            + "; try a lower learning rate or clipping the gradient norm" + (checkpoints != null ? " (the last checkpoint is kept)" : ""));
                }
                if (r.count() > 0) st.lossSum += r.loss() * r.count();
                st.correct += r.correct();
                st.seen += r.count();
                for (int i : plan[b]) st.tokens += tokens[i].length;
                st.batch = b + 1;
                st.step++;
                listener.batchFinished(b + 1, st.lossSum / st.seen, (double) st.correct / st.seen);
                if (checkpoints != null && checkpointEvery > 0 && st.step % checkpointEvery == 0 && b + 1 < batches) {
                    st.epochSeconds = secondsBefore + (System.nanoTime() - t0) / 1e9;
                    checkpoints.save(st);
                }
            }
            double seconds = secondsBefore + (System.nanoTime() - t0) / 1e9;
            Evaluation val = validate == null ? null : validate.get();
            EpochMetrics m = new EpochMetrics(epoch + 1, st.lossSum / st.seen, (double) st.correct / st.seen,
                    val == null ? Double.NaN : val.loss(), val == null ? Double.NaN : val.accuracy(), seconds, st.tokens, st.seen);
            st.history.add(m);
            listener.epochFinished(m);
            if (patience > 0 && val != null) {
                if (val.loss() < st.bestLoss) {
                    st.bestLoss = val.loss();
                    st.bestEpoch = epoch + 1;
                    st.best = snapshot();
                } else if (epoch + 1 - st.bestEpoch >= patience) {
                    listener.earlyStopped(epoch + 1, st.bestEpoch);
                    st.stopped = true;
                }
            }
            st.startEpoch(epoch + 1);
            if (checkpoints != null) checkpoints.save(st);
        }
        if (st.best != null && st.bestEpoch != st.history.size()) restore(st.best);
        return List.copyOf(st.history);
    }

    /** Steps between checkpoints (0 = only at epoch ends). */
    public Trainer checkpointEvery(int steps) {
        if (steps < 0) throw new IllegalArgumentException("checkpoint interval must be >= 0, received: " + steps);
        this.checkpointEvery = steps;
        return this;
    }

    public Adam optimizer() {
        return optimizer;
    }

    /** Mean loss and number of correct predictions of one batch. */
    public record Step(double loss, int correct) {}

    /**
     * One per-step batch: its mean loss over the {@code count} counted steps (NaN when none counts),
     * how many the argmax got right, and {@code count}.
     */
    public record Steps(double loss, int correct, int count) {}

    /** One optimizer step on one batch. */
    public Step trainStep(int[][] x, int[] y, long dropoutSeed) {
        if (model.outputIsSequence()) throw new IllegalStateException("a per-step model trains with trainSteps (per-step targets), not labels");
        int b = x.length;
        int parts = Math.min(shards.length, b);
        parallel.forEach(parts, s -> {
            int from = (int) ((long) b * s / parts);
            int to = (int) ((long) b * (s + 1) / parts);
            Shard shard = shards[s];
            shard.zero();
            int[][] xs = Arrays.copyOfRange(x, from, to);
            SequenceBatch batch = model.batch(xs);
            Sequential.Pass pass = model.forward(batch, true, new SplittableRandom(dropoutSeed * 31 + s));
            SoftmaxCrossEntropy.Result r = SoftmaxCrossEntropy.compute(pass.logits(), batch.sortLabels(Arrays.copyOfRange(y, from, to)));
            // compute() averages over the shard; the batch loss averages over all b rows.
            float scale = (float) (to - from) / b;
            float[] d = r.dLogits();
            for (int i = 0; i < d.length; i++) d[i] *= scale;
            shard.lossSum = r.loss() * (to - from) / b; // the shard's share of the batch mean
            shard.correct = r.correct();
            shard.ids = batch.ids;
            shard.dEmbedded = model.backwardToEmbedding(pass, new Matrix(d, pass.logits().rows, pass.logits().cols, null), shard);
        });
        double lossSum = update(parts);
        int correct = 0;
        for (int s = 0; s < parts; s++) correct += shards[s].correct;
        return new Step(lossSum, correct);
    }

    /**
     * One optimizer step of a per-step model on {@code ids} (B, T) and {@code targets} (B, T),
     * {@link StepDataset#IGNORE} = a step that does not count: the masked per-step cross-entropy,
     * averaged over the batch's counted steps, whichever shard they fall in. A batch where no step
     * counts changes nothing. Every row starts from a zero state: truncated BPTT windows
     * ({@link StepDataset#windows}) do not carry the state of the window before (carrying it would
     * need an initial-state input in the recurrent layers' training loop, and batches made of the
     * consecutive windows of the same sequences instead of shuffled rows).
     */
    public Steps trainSteps(int[][] ids, int[][] targets, long dropoutSeed) {
        if (!model.outputIsSequence()) throw new IllegalStateException("a classifier trains with trainStep (one label per sequence)");
        if (ids.length != targets.length) throw new IllegalArgumentException(ids.length + " sequences but " + targets.length + " target rows");
        int b = ids.length;
        int parts = Math.min(shards.length, b);
        SequenceBatch[] batches = new SequenceBatch[parts];
        int[][] packed = new int[parts][];
        int total = 0;
        for (int s = 0; s < parts; s++) {
            int from = (int) ((long) b * s / parts);
            int to = (int) ((long) b * (s + 1) / parts);
            batches[s] = model.batch(Arrays.copyOfRange(ids, from, to));
            packed[s] = batches[s].packTargets(Arrays.copyOfRange(targets, from, to), StepDataset.IGNORE);
            for (int y : packed[s]) if (y != StepDataset.IGNORE) total++;
        }
        if (total == 0) return new Steps(Double.NaN, 0, 0);
        int count = total;
        parallel.forEach(parts, s -> {
            Shard shard = shards[s];
            shard.zero();
            SequenceBatch batch = batches[s];
            Sequential.Pass pass = model.forward(batch, true, new SplittableRandom(dropoutSeed * 31 + s));
            Matrix logits = pass.logits(); // (N, K)
            PerStepCrossEntropy.Result r = PerStepCrossEntropy.compute(logits, packed[s], StepDataset.IGNORE);
            // compute() averages over the shard's counted steps; the batch loss averages over all of them.
            float[] d = r.dLogits();
            if (r.count() > 0) {
                float scale = (float) r.count() / count;
                for (int i = 0; i < d.length; i++) d[i] *= scale;
            }
            shard.lossSum = r.lossSum();
            shard.correct = r.correct();
            shard.ids = batch.ids;
            shard.dEmbedded = model.backwardToEmbedding(pass, new Matrix(d, logits.rows, logits.cols, logits.layout), shard);
        });
        double lossSum = update(parts);
        int correct = 0;
        for (int s = 0; s < parts; s++) correct += shards[s].correct;
        return new Steps(lossSum / count, correct, count);
    }

    /**
     * After the shards' backward: sums their gradients in shard order (deterministic for a thread
     * count), scatters the embedding gradient, clips, and takes the Adam step. Returns the shards'
     * summed loss.
     */
    private double update(int parts) {
        // Reduce in shard order: deterministic for a thread count.
        for (Param p : layerParams) {
            float[] g = p.grad;
            System.arraycopy(shards[0].grads.get(p), 0, g, 0, g.length);
            for (int s = 1; s < parts; s++) {
                float[] gs = shards[s].grads.get(p);
                for (int i = 0; i < g.length; i++) g[i] += gs[i];
            }
        }
        clearEmbeddingGrad();
        double loss = 0;
        int idCount = 0;
        for (int s = 0; s < parts; s++) {
            embedding.backward(shards[s].ids, shards[s].dEmbedded, Gradients.PARAMS);
            loss += shards[s].lossSum;
            idCount += shards[s].ids.length;
        }
        int[] ids = new int[idCount];
        int o = 0;
        for (int s = 0; s < parts; s++) {
            System.arraycopy(shards[s].ids, 0, ids, o, shards[s].ids.length);
            o += shards[s].ids.length;
        }
        lastIds = ids;
        int[] rows = lazyEmbedding || clipNorm > 0 ? distinct(ids) : null;
        if (clipNorm > 0) clipGradients(rows);
        if (lazyEmbedding) optimizer.touchRows(embedding.weight(), rows);
        optimizer.step(params);
        return loss;
    }

    /**
     * Scales all gradients so their global L2 norm is at most clipNorm (Keras global_clipnorm,
     * torch clip_grad_norm_). Only the batch's embedding rows can be non-zero, so only they are summed.
     */
    private void clipGradients(int[] embeddingRows) {
        double sq = 0;
        for (Param p : layerParams) {
            for (float v : p.grad) sq += (double) v * v;
        }
        float[] eg = embedding.weight().grad;
        int e = embedding.dim();
        for (int r : embeddingRows) {
            for (int j = r * e; j < r * e + e; j++) sq += (double) eg[j] * eg[j];
        }
        double norm = Math.sqrt(sq);
        if (norm <= clipNorm || norm == 0) return;
        float scale = (float) (clipNorm / norm);
        for (Param p : layerParams) {
            for (int i = 0; i < p.grad.length; i++) p.grad[i] *= scale;
        }
        for (int r : embeddingRows) {
            for (int j = r * e; j < r * e + e; j++) eg[j] *= scale;
        }
    }

    /** Clip gradients to this global L2 norm before each update (0 = off). */
    public Trainer clipNorm(double maxNorm) {
        if (!(maxNorm >= 0)) throw new IllegalArgumentException("clip norm must be >= 0, received: " + maxNorm);
        this.clipNorm = maxNorm;
        return this;
    }

    static int[] distinct(int[] ids) {
        int[] s = ids.clone();
        Arrays.sort(s);
        int n = 0;
        for (int i = 0; i < s.length; i++) {
            if (i == 0 || s[i] != s[i - 1]) s[n++] = s[i];
        }
        return Arrays.copyOf(s, n);
    }

    /** Zeroes only the embedding rows the previous batch touched: the rest are still zero. */
    private void clearEmbeddingGrad() {
        float[] g = embedding.weight().grad;
        int e = embedding.dim();
        for (int id : lastIds) Arrays.fill(g, id * e, id * e + e, 0f);
    }

    /** Mean loss and accuracy over a dataset, batches split across the threads ({@link Sequential#score}). */
    public Evaluation evaluate(EncodedDataset data, int batchSize) {
        return evaluation(model.score(data.tokens(), data.labels(), batchSize, parallel), data.size());
    }

    /** Single-threaded evaluation of any model: the figures of {@link #evaluate(EncodedDataset, int)}. */
    public static Evaluation evaluate(Sequential model, EncodedDataset data, int batchSize) {
        try (Parallel one = new Parallel(1)) {
            return evaluation(model.score(data.tokens(), data.labels(), batchSize, one), data.size());
        }
    }

    /** Mean loss and accuracy per counted step of a per-step model, batches split across the threads. */
    public Evaluation evaluateSteps(StepDataset data, int batchSize) {
        return stepEvaluation(model.scoreSteps(data.tokens(), data.targets(), StepDataset.IGNORE, batchSize, parallel));
    }

    /** Single-threaded {@link #evaluateSteps(StepDataset, int)} of any per-step model. */
    public static Evaluation evaluateSteps(Sequential model, StepDataset data, int batchSize) {
        try (Parallel one = new Parallel(1)) {
            return stepEvaluation(model.scoreSteps(data.tokens(), data.targets(), StepDataset.IGNORE, batchSize, one));
        }
    }

    private static Evaluation stepEvaluation(Sequential.StepScores s) {
        return new Evaluation(s.lossSum() / s.count(), (double) s.correct() / s.count(), s.count());
    }

    private static Evaluation evaluation(Sequential.Scores s, int samples) {
        return new Evaluation(s.lossSum() / samples, (double) s.correct() / samples, samples);
    }

    @Override
    public void close() {
        parallel.close();
    }
}
