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
import org.jrnn.nn.RecurrentStates;
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
 * With truncated BPTT ({@link StepFit#bptt}) a batch of texts is trained as a run of windows,
 * each one optimizer step, each text's window starting from the state its previous window ended in.
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

    /**
     * What {@link #fitSteps} trains: per-step data and schedule, as {@link Fit}.
     *
     * @param train whole sequences (texts): {@code bptt} cuts them, batch by batch
     * @param bptt truncated back-propagation through time in windows of this many steps, the state
     *     carried from one window of a text to the next (0 = whole sequences, one step per batch)
     */
    public record StepFit(StepDataset train, StepDataset validation, int epochs, int batchSize, long seed, int bptt) {
        public StepFit {
            java.util.Objects.requireNonNull(train, "train");
            if (epochs < 1) throw new IllegalArgumentException("epochs must be >= 1, received: " + epochs);
            if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, received: " + batchSize);
            if (train.size() == 0) throw new IllegalArgumentException("the training set is empty");
            if (bptt < 0) throw new IllegalArgumentException("bptt must be >= 0 (0 = whole sequences), received: " + bptt);
        }

        /** Whole sequences, one optimizer step per batch (no truncated BPTT). */
        public StepFit(StepDataset train, StepDataset validation, int epochs, int batchSize, long seed) {
            this(train, validation, epochs, batchSize, seed, 0);
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
            return new Steps[] {new Steps(r.loss(), r.correct(), idx.length)};
        }, validation == null ? null : () -> evaluate(validation, 256), listener, st, checkpoints);
    }

    /** {@link #fitSteps(StepFit, TrainingListener, TrainingState, CheckpointSink)} from epoch 1 without checkpoints. */
    public List<EpochMetrics> fitSteps(StepFit fit, TrainingListener listener) {
        return fitSteps(fit, listener, new TrainingState(), null);
    }

    /**
     * The fit loop for a per-step model: as {@link #fit(Fit, TrainingListener, TrainingState, CheckpointSink)},
     * each batch a {@link #trainSteps} step, validation by {@link #evaluateSteps} on whole sequences.
     * With {@link StepFit#bptt} N &gt; 0, truncated BPTT as PyTorch's word_language_model and Keras'
     * stateful RNNs: the epoch's order and batches of whole texts stay as above, and a batch of B
     * texts is trained as a run of window-steps: step 1 the first N tokens of every text, step 2
     * the next N tokens of the texts that have them, and so on ({@link StepDataset#window}), one
     * optimizer step each, each text's window starting from the recurrent state its previous
     * window ended in (detached: no gradient crosses a window boundary). Texts of at most N
     * tokens train exactly as without a cut. Progress and checkpoints count text batches.
     *
     * @throws org.jrnn.errors.InvalidOptionException for bptt &gt; 0 on a model with a layer that reads
     *     backwards (a Bidirectional one): its state cannot be carried forwards
     */
    public List<EpochMetrics> fitSteps(StepFit fit, TrainingListener listener, TrainingState st, CheckpointSink checkpoints) {
        StepDataset train = fit.train();
        StepDataset validation = fit.validation();
        int bptt = fit.bptt();
        if (bptt > 0) {
            try {
                model.checkCarry();
            } catch (IllegalArgumentException e) {
                throw org.jrnn.errors.InvalidOptionException.of("bptt",
                        "carries the state between windows and needs unidirectional recurrent layers; " + e.getMessage());
            }
        }
        return loop(train.tokens(), fit.epochs(), fit.batchSize(), fit.seed(), (idx, dropoutSeed) -> {
            StepDataset rows = train.select(idx);
            if (bptt == 0) return new Steps[] {trainSteps(rows.tokens(), rows.targets(), dropoutSeed)};
            return trainWindows(rows, bptt, dropoutSeed);
        }, validation == null ? null : () -> evaluateSteps(validation, 256), listener, st, checkpoints);
    }

    /**
     * One batch of whole texts as truncated-BPTT window-steps (see {@link #fitSteps}): one
     * {@link Steps} per optimizer step, fewer when a window's loss is not finite (the loop stops there).
     * A batch of texts that fit in one window is one {@link #trainSteps} call, as without a cut.
     */
    private Steps[] trainWindows(StepDataset rows, int bptt, long dropoutSeed) {
        int b = rows.size();
        int windows = 1;
        for (int i = 0; i < b; i++) windows = Math.max(windows, rows.windowCount(i, bptt));
        if (windows == 1) return new Steps[] {trainSteps(rows.tokens(), rows.targets(), dropoutSeed)};
        Steps[] out = new Steps[windows];
        int[] prev = null;               // batch rows of the previous window-step, in order
        RecurrentStates carried = null;  // their final states, rows in prev's order
        for (int k = 0; k < windows; k++) {
            RecurrentStates initial = null;
            int[] have;
            if (k > 0) {
                // The texts with a window k are a subset of those with a window k − 1: their rows there.
                int[] at = new int[prev.length];
                int n = 0;
                for (int j = 0; j < prev.length; j++) if (rows.windowCount(prev[j], bptt) > k) at[n++] = j;
                at = Arrays.copyOf(at, n);
                have = new int[n];
                for (int j = 0; j < n; j++) have[j] = prev[at[j]];
                initial = carried.select(at);
            } else {
                have = new int[b];
                for (int i = 0; i < b; i++) have[i] = i;
            }
            StepDataset w = rows.window(k, bptt);
            // Window 0 keeps the batch's dropout seed (the uncut batch's masks); later windows get their own.
            long seed = k == 0 ? dropoutSeed : dropoutSeed + k * 0x9E3779B97F4A7C15L;
            CarriedSteps r = trainSteps(w.tokens(), w.targets(), seed, initial, k + 1 < windows);
            out[k] = r.steps();
            if (r.steps().count() > 0 && !Double.isFinite(r.steps().loss())) return Arrays.copyOf(out, k + 1);
            prev = have;
            carried = r.finalStates();
        }
        return out;
    }

    /** The optimizer steps on the rows {@code idx} of the training data: one, or one per BPTT window. */
    private interface BatchStep {
        Steps[] run(int[] idx, long dropoutSeed);
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
                // Dropout masks depend on (seed, epoch, batch, window, shard) only, never on thread timing.
                Steps[] rs = step.run(plan[b], seed * 1_000_003L + (long) epoch * 100_003L + b);
                for (Steps r : rs) {
                    if (r.count() > 0 && !Double.isFinite(r.loss())) {
                        throw new TrainingDivergedException("loss became " + r.loss() + " at epoch " + (epoch + 1) + ", batch " + (b + 1)
                                + "; try a lower learning rate or clipping the gradient norm" + (checkpoints != null ? " (the last checkpoint is kept)" : ""));
                    }
                    if (r.count() > 0) st.lossSum += r.loss() * r.count();
                    st.correct += r.correct();
                    st.seen += r.count();
                }
                for (int i : plan[b]) st.tokens += tokens[i].length;
                st.batch = b + 1;
                long stepBefore = st.step;
                st.step += rs.length;
                listener.batchFinished(b + 1, st.lossSum / st.seen, (double) st.correct / st.seen);
                // Checkpoints only between batches: inside a batch trained as BPTT windows the recurrent
                // state is being carried from window to window, and a checkpoint does not hold it. A
                // checkpoint falling due inside such a batch is taken at its end (one step per batch: as due).
                if (checkpoints != null && checkpointEvery > 0 && st.step / checkpointEvery > stepBefore / checkpointEvery && b + 1 < batches) {
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
     * counts changes nothing. Every row starts from a zero state; {@link #trainSteps(int[][], int[][], long, RecurrentStates)}
     * starts from given ones (a truncated-BPTT window after the first).
     */
    public Steps trainSteps(int[][] ids, int[][] targets, long dropoutSeed) {
        return trainSteps(ids, targets, dropoutSeed, null, false).steps();
    }

    /** One optimizer step's figures and the recurrent states each row ended in. */
    public record CarriedSteps(Steps steps, RecurrentStates finalStates) {}

    /**
     * {@link #trainSteps(int[][], int[][], long)} with every recurrent layer starting from
     * {@code initial}'s state of each row (rows in {@code ids}' order; null: zeros), a constant of
     * the step: no gradient flows into it. Returns the step with each row's final states, the
     * initial states of the rows' next windows ({@link Sequential#finalStates}); a batch where no
     * step counts changes nothing but still reports them.
     *
     * @throws IllegalArgumentException for states of another batch size, or a model that cannot carry them ({@link Sequential#checkCarry})
     */
    public CarriedSteps trainSteps(int[][] ids, int[][] targets, long dropoutSeed, RecurrentStates initial) {
        model.checkCarry();
        return trainSteps(ids, targets, dropoutSeed, initial, true);
    }

    private CarriedSteps trainSteps(int[][] ids, int[][] targets, long dropoutSeed, RecurrentStates initial, boolean keepFinal) {
        if (!model.outputIsSequence()) throw new IllegalStateException("a classifier trains with trainStep (one label per sequence)");
        if (ids.length != targets.length) throw new IllegalArgumentException(ids.length + " sequences but " + targets.length + " target rows");
        if (initial != null && initial.batch() != ids.length) {
            throw new IllegalArgumentException("initial states for " + initial.batch() + " sequences, the batch has " + ids.length);
        }
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
        if (total == 0 && !keepFinal) return new CarriedSteps(new Steps(Double.NaN, 0, 0), null);
        int count = total;
        RecurrentStates[] finals = keepFinal ? new RecurrentStates[parts] : null;
        parallel.forEach(parts, s -> {
            Shard shard = shards[s];
            shard.zero();
            SequenceBatch batch = batches[s];
            RecurrentStates init = initial == null ? null : initial.rows((int) ((long) b * s / parts), (int) ((long) b * (s + 1) / parts));
            Sequential.Pass pass = model.forward(batch, true, new SplittableRandom(dropoutSeed * 31 + s), init);
            if (finals != null) finals[s] = model.finalStates(pass);
            if (count == 0) return; // nothing to learn from: the pass gave the states
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
        RecurrentStates fin = finals == null ? null : parts == 1 ? finals[0] : RecurrentStates.concat(finals);
        if (count == 0) return new CarriedSteps(new Steps(Double.NaN, 0, 0), fin);
        double lossSum = update(parts);
        int correct = 0;
        for (int s = 0; s < parts; s++) correct += shards[s].correct;
        return new CarriedSteps(new Steps(lossSum / count, correct, count), fin);
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
