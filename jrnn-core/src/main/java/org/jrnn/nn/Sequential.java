package org.jrnn.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * A Keras-style stack: an {@link Embedding}, then layers (recurrent, Bidirectional, pooling,
 * Dropout, Dense). Layers are built as they are added, so shape errors surface at once, and
 * initialised from the model's seed. Parameters are named by position as in a
 * {@code torch.nn.Sequential} ({@code 0.weight}, {@code 1.weight_ih}, {@code 1.weight_ih_reverse},
 * {@code 2.bias}); {@code org.jrnn.model} renames them to the PyTorch reference model's
 * state-dict keys ({@code embedding.weight}, {@code rnn.weight_ih_l0}, {@code fc.weight}) that files use.
 *
 * <p>Order of use: add layers; then {@link #forward} / {@link #backward} per batch (the fit
 * loop in {@code org.jrnn.train} drives them), or {@link #predictProbabilities}.
 */
public final class Sequential {
    /**
     * What {@link #predictProbabilities} applies to the head's logits: softmax (a classifier, the only
     * head jrnn trains), sigmoid (independent per-class probabilities, Keras' binary or multi-label
     * head) or linear (the raw outputs). The last two are kept from imported Keras models.
     */
    public enum OutputActivation {
        SOFTMAX, SIGMOID, LINEAR;

        public String kerasName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The activation for a Keras name; null for unknown names. */
        public static OutputActivation of(String kerasName) {
            for (OutputActivation a : values()) {
                if (a.kerasName().equals(kerasName)) return a;
            }
            return null;
        }
    }

    private final RandomGenerator initRng;
    private OutputActivation outputActivation = OutputActivation.SOFTMAX;
    private Embedding embedding;
    private final List<Layer> layers = new ArrayList<>();
    private final List<Integer> outputSizes = new ArrayList<>();
    private int outputSize;
    private boolean outputIsSequence;

    public Sequential(long seed) {
        this(new SplittableRandom(seed));
    }

    /** Layers initialised from {@code initRng}; {@link Initializers#SKIP} leaves them undrawn (weights to be loaded). */
    public Sequential(RandomGenerator initRng) {
        this.initRng = initRng;
    }

    public Sequential add(Embedding e) {
        if (embedding != null) throw new IllegalStateException("the model already has an Embedding; it must be the first and only one");
        e.init(initRng);
        e.weight().rename("0." + e.weight().name());
        embedding = e;
        outputSize = e.dim();
        outputIsSequence = true;
        return this;
    }

    public Sequential add(Layer layer) {
        if (embedding == null) throw new IllegalStateException("add an Embedding first; received " + layer);
        if (layer.requiresSequenceInput() && !outputIsSequence) {
            throw new IllegalArgumentException(layer + " expects a sequence input (None, None, " + outputSize
                    + "), but the previous layer returns (None, " + outputSize
                    + "): set returnSequences=true on the recurrent layer before it");
        }
        outputSize = layer.build(outputSize, initRng);
        outputIsSequence = layer.returnsSequences(outputIsSequence);
        for (Param p : layer.params()) p.rename((layers.size() + 1) + "." + p.name());
        layers.add(layer);
        outputSizes.add(outputSize);
        return this;
    }

    public Embedding embedding() {
        return embedding;
    }

    public List<Layer> layers() {
        return Collections.unmodifiableList(layers);
    }

    public int outputSize() {
        return outputSize;
    }

    /** Checks that the stack ends in one vector per sequence (needed by a classifier). */
    public void checkClassifier() {
        if (embedding == null || layers.isEmpty()) throw new IllegalStateException("the model needs an Embedding and at least one layer");
        if (outputIsSequence) {
            throw new IllegalStateException("the model outputs a sequence; end it with a recurrent layer without returnSequences, "
                    + "or a pooling layer, then Dense");
        }
    }

    /**
     * Checks that the stack ends in a sequence, one output per real step (a per-step head:
     * taggers, language models), for {@link #forwardBackwardSteps} and {@link #predictStepProbabilities}.
     */
    public void checkPerStep() {
        if (embedding == null || layers.isEmpty()) throw new IllegalStateException("the model needs an Embedding and at least one layer");
        if (!outputIsSequence) {
            throw new IllegalStateException("the model outputs one vector per sequence; a per-step model ends in layers that return "
                    + "sequences, then TimeDistributed(Dense)");
        }
    }

    /** The classifier's entry points would read a per-step model's first B rows as B sequences' logits. */
    private void requireOneOutputPerSequence() {
        if (outputIsSequence) {
            throw new IllegalStateException("the model outputs one vector per step; use the per-step methods (predictStepProbabilities)");
        }
    }

    public OutputActivation outputActivation() {
        return outputActivation;
    }

    /** Sets the head's activation (softmax unless set); see {@link OutputActivation}. */
    public Sequential outputActivation(OutputActivation a) {
        if (a == null) throw new IllegalArgumentException("output activation must not be null");
        this.outputActivation = a;
        return this;
    }

    /** Whether the stack outputs a sequence (None, None, K): a per-step model. */
    public boolean outputIsSequence() {
        return outputIsSequence;
    }

    public List<Param> params() {
        List<Param> all = new ArrayList<>(embedding.params());
        for (Layer l : layers) all.addAll(l.params());
        return all;
    }

    /** Parameters by PyTorch state-dict name, in model order. */
    public Map<String, Param> stateDict() {
        Map<String, Param> m = new LinkedHashMap<>();
        for (Param p : params()) m.put(p.name(), p);
        return m;
    }

    public long paramCount() {
        long n = 0;
        for (Param p : params()) n += p.size();
        return n;
    }

    public void zeroGrad() {
        for (Param p : params()) p.zeroGrad();
    }

    /** One forward pass: logits (B, K) in the batch's sorted order, plus what backward needs. */
    public record Pass(SequenceBatch batch, Matrix logits, Object[] caches) {}

    public SequenceBatch batch(int[][] tokens) {
        return SequenceBatch.of(tokens, embedding.maskZero());
    }

    public Pass forward(SequenceBatch batch, boolean training, RandomGenerator rng) {
        Matrix x = embedding.forward(batch.ids, batch.layout);
        Object[] caches = new Object[layers.size()];
        for (int i = 0; i < layers.size(); i++) {
            Layer.Forward f = layers.get(i).forward(x, training, rng);
            caches[i] = f.cache();
            x = f.y();
        }
        return new Pass(batch, x, caches);
    }

    /**
     * {@link #forward(SequenceBatch, boolean, RandomGenerator)} with each recurrent layer starting
     * from {@code initial}'s state of its rows instead of zeros (null: zeros, the same bits as
     * without it): truncated BPTT's next window of the same texts. The state is a constant of the
     * pass: {@link #backward} sends no gradient into it. Read the pass's final states with
     * {@link #finalStates}.
     *
     * @throws IllegalArgumentException for a model that cannot carry a state ({@link #checkCarry}),
     *     or states of another batch size or model
     */
    public Pass forward(SequenceBatch batch, boolean training, RandomGenerator rng, RecurrentStates initial) {
        if (initial == null) return forward(batch, training, rng);
        checkCarry();
        PackedLayout lay = batch.layout;
        if (initial.batch() != lay.batch) {
            throw new IllegalArgumentException("initial states for " + initial.batch() + " sequences, the batch has " + lay.batch);
        }
        if (initial.layers() != layers.size()) {
            throw new IllegalArgumentException("initial states for a model of " + initial.layers() + " layers, this one has " + layers.size());
        }
        Matrix x = embedding.forward(batch.ids, batch.layout);
        Object[] caches = new Object[layers.size()];
        for (int i = 0; i < layers.size(); i++) {
            Layer.Forward f = layers.get(i) instanceof RecurrentLayer r
                    ? r.forward(x, training, rng, sorted(initial.h(i), lay), sorted(initial.c(i), lay))
                    : layers.get(i).forward(x, training, rng);
            caches[i] = f.cache();
            x = f.y();
        }
        return new Pass(batch, x, caches);
    }

    /** Rows (B, W) in the caller's order → the layout's sorted order; null stays null. */
    private static float[] sorted(float[] rows, PackedLayout lay) {
        if (rows == null) return null;
        int w = rows.length / lay.batch;
        float[] out = new float[rows.length];
        for (int s = 0; s < lay.batch; s++) System.arraycopy(rows, lay.sortedToOriginal[s] * w, out, s * w, w);
        return out;
    }

    /**
     * Each recurrent layer's state after each sequence's own last real step of a training pass
     * (rows in the caller's order): the initial states of the sequences' next windows. A finished
     * sequence keeps its state over the batch's longer ones (packed rows, as PyTorch's h_n); a
     * model without masking runs every sequence over its padding, so its state is the one after it.
     *
     * @throws IllegalArgumentException for a model that cannot carry a state ({@link #checkCarry})
     * @throws IllegalStateException for a pass without caches (an inference pass)
     */
    public RecurrentStates finalStates(Pass pass) {
        checkCarry();
        PackedLayout lay = pass.batch().layout;
        float[][] h = new float[layers.size()][];
        float[][] c = new float[layers.size()][];
        for (int i = 0; i < layers.size(); i++) {
            if (!(layers.get(i) instanceof RecurrentLayer r)) continue;
            if (!(pass.caches()[i] instanceof RecurrentLayer.Cache cache)) {
                throw new IllegalStateException("layer " + (i + 1) + " kept no cache: final states need a training pass (forward with caches)");
            }
            h[i] = original(r.finalState(cache).data, lay);
            c[i] = original(r.finalCell(cache), lay);
        }
        return new RecurrentStates(lay.batch, h, c);
    }

    /** Rows (B, W) in the layout's sorted order → the caller's order; null stays null. */
    private static float[] original(float[] rows, PackedLayout lay) {
        if (rows == null) return null;
        int w = rows.length / lay.batch;
        float[] out = new float[rows.length];
        for (int s = 0; s < lay.batch; s++) System.arraycopy(rows, s * w, out, lay.sortedToOriginal[s] * w, w);
        return out;
    }

    /**
     * Checks that every layer can carry its state from one window of a sequence to the next:
     * recurrent layers read forwards. A Bidirectional layer's backward half, like a goBackwards
     * layer, starts at the sequence's end, which a window of it does not see.
     *
     * @throws IllegalArgumentException naming the first layer (1-based, as parameter names count) that cannot
     */
    public void checkCarry() {
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            if (l instanceof Bidirectional) throw new IllegalArgumentException("layer " + (i + 1) + " is Bidirectional: " + l);
            if (l instanceof RecurrentLayer r && r.goBackwards()) throw new IllegalArgumentException("layer " + (i + 1) + " reads backwards: " + l);
        }
    }

    /** Backpropagates dLogits (B, K), adding every parameter's gradient into {@code grads}. */
    public void backward(Pass pass, Matrix dLogits, Gradients grads) {
        embedding.backward(pass.batch().ids, backwardToEmbedding(pass, dLogits, grads), grads);
    }

    /**
     * Backpropagates through every layer after the embedding and returns dL/d(embedded rows)
     * (N, E) instead of scattering it, so parallel shards can leave the (large) embedding
     * gradient to one thread.
     */
    public Matrix backwardToEmbedding(Pass pass, Matrix dLogits, Gradients grads) {
        Matrix d = dLogits;
        for (int i = layers.size() - 1; i >= 0; i--) {
            d = layers.get(i).backward(pass.caches()[i], d, grads);
        }
        return d;
    }

    /**
     * Precomputed inference state for the current weights: when the first layer after the
     * embedding is recurrent, its input projection of every vocabulary entry (V, G·H), so a
     * token's projection is a row lookup instead of an (E × G·H) product — 80 % of a
     * SimpleRNN(16)'s multiply-adds. Valid until the weights change; build it again then.
     */
    public static final class InferencePlan {
        private final float[][] tables;
        /** Vocabulary id → table row for a plan of some ids only (−1: not in it); null for the whole vocabulary. */
        private final int[] rowOf;

        private final int rowCount;

        private InferencePlan(float[][] tables, int[] rowOf, int rowCount) {
            this.tables = tables;
            this.rowOf = rowOf;
            this.rowCount = rowCount;
        }

        /** Vocabulary rows this plan has projected: the whole vocabulary, or a partial plan's ids (with padding). */
        public int rowCount() {
            return rowCount;
        }

        /** The table rows of a batch's ids. */
        private int[] rows(int[] ids) {
            if (rowOf == null) return ids;
            int[] rows = new int[ids.length];
            for (int i = 0; i < ids.length; i++) {
                int r = ids[i] >= 0 && ids[i] < rowOf.length ? rowOf[ids[i]] : -1;
                if (r < 0) throw new IllegalArgumentException("token id " + ids[i] + " is not in this partial inference plan");
                rows[i] = r;
            }
            return rows;
        }
    }

    /** An {@link InferencePlan} for the current weights (null when the first layer cannot use one). */
    public InferencePlan planInference() {
        try (org.jrnn.kernels.Parallel one = new org.jrnn.kernels.Parallel(1)) {
            return planInference(one);
        }
    }

    /** {@link #planInference()} with the tables' rows split across {@code parallel}'s threads. */
    public InferencePlan planInference(org.jrnn.kernels.Parallel parallel) {
        Layer first = layers.isEmpty() ? null : layers.get(0);
        float[] w = embedding.weight().data;
        int v = embedding.vocabSize();
        if (first instanceof RecurrentLayer r) return new InferencePlan(new float[][] {r.projectionTable(w, v, parallel)}, null, v);
        if (first instanceof Bidirectional b) return new InferencePlan(b.projectionTables(w, v, parallel), null, v);
        return null;
    }

    /**
     * An {@link InferencePlan} for the ids in {@code tokens} only (plus padding, id 0): what a
     * few texts need. A whole-vocabulary plan costs V·E·G·H multiply-adds (bilstm2x64: 655 M,
     * most of a one-text {@code jrnn predict}); this one costs as many rows as there are
     * distinct ids. Its rows are the whole plan's rows bit for bit: every row comes out of one
     * {@code matmulABt} call of at least two rows, whose per-row result does not depend on the
     * other rows (the vector kernels go scalar, with other rounding, for a single row). A
     * forward with it accepts only batches of these ids. Null when the first layer cannot use a plan.
     */
    public InferencePlan planInference(int[][] tokens) {
        Layer first = layers.isEmpty() ? null : layers.get(0);
        if (!(first instanceof RecurrentLayer) && !(first instanceof Bidirectional)) return null;
        int v = embedding.vocabSize();
        int[] rowOf = new int[v];
        java.util.Arrays.fill(rowOf, -1);
        int[] ids = new int[16];
        int n = 0;
        rowOf[0] = n;
        ids[n++] = 0;
        for (int[] seq : tokens) {
            for (int id : seq) {
                if (id < 0 || id >= v) throw new IllegalArgumentException("token id " + id + " out of range [0, " + v + ")");
                if (rowOf[id] >= 0) continue;
                if (n == ids.length) ids = java.util.Arrays.copyOf(ids, 2 * n);
                rowOf[id] = n;
                ids[n++] = id;
            }
        }
        if (n == 1) ids[n++] = 0; // a second row keeps matmulABt on its multi-row path (see above)
        int e = embedding.dim();
        float[] w = embedding.weight().data;
        float[] rows = new float[n * e]; // (n, E) the embedding rows of the plan's ids
        for (int i = 0; i < n; i++) System.arraycopy(w, ids[i] * e, rows, i * e, e);
        try (org.jrnn.kernels.Parallel one = new org.jrnn.kernels.Parallel(1)) {
            float[][] tables = first instanceof RecurrentLayer r
                    ? new float[][] {r.projectionTable(rows, n, one)}
                    : ((Bidirectional) first).projectionTables(rows, n, one);
            return new InferencePlan(tables, rowOf, n);
        }
    }

    /**
     * Inference forward (no dropout, no backward) using a plan from {@link #planInference}, or
     * none: the logits of {@code forward(batch, false, rng)}, bit for bit, without the caches.
     */
    public Pass forward(SequenceBatch batch, InferencePlan plan) {
        Matrix x;
        if (plan == null) {
            x = layers.get(0).infer(embedding.forward(batch.ids, batch.layout));
        } else if (layers.get(0) instanceof Bidirectional b) {
            x = b.inferProjected(plan.rows(batch.ids), batch.layout, plan.tables);
        } else {
            x = ((RecurrentLayer) layers.get(0)).inferProjected(plan.rows(batch.ids), batch.layout, plan.tables[0]);
        }
        for (int i = 1; i < layers.size(); i++) x = layers.get(i).infer(x);
        return new Pass(batch, x, new Object[layers.size()]);
    }

    /** What {@link #inferBatches} hands over for each batch. */
    @FunctionalInterface
    public interface BatchResult {
        /** {@code pass} covers {@code tokens[from, from + pass.batch().layout.batch)}, in the batch's sorted order. */
        void accept(int batchIndex, int from, Pass pass);
    }

    /**
     * Inference over {@code tokens} in consecutive batches of {@code batchSize}, the batches
     * split across {@code parallel}'s threads, with one {@link InferencePlan} for all of them
     * (the weights must not change meanwhile). {@code result} runs on the worker threads:
     * write per-batch results into slots indexed by {@code batchIndex} and combine them in
     * index order afterwards, and the figures do not depend on the thread count.
     */
    public void inferBatches(int[][] tokens, int batchSize, org.jrnn.kernels.Parallel parallel, BatchResult result) {
        int batches = (tokens.length + batchSize - 1) / batchSize;
        InferencePlan plan = planInference(parallel);
        parallel.forRanges(batches, (fromBatch, toBatch) -> {
            for (int bi = fromBatch; bi < toBatch; bi++) {
                int from = bi * batchSize;
                int to = Math.min(tokens.length, from + batchSize);
                result.accept(bi, from, forward(batch(java.util.Arrays.copyOfRange(tokens, from, to)), plan));
            }
        });
    }

    /**
     * What {@link #score} found: the summed cross-entropy, the number of correct predictions and
     * each sample's predicted class (argmax of its logits), in the caller's order.
     */
    public record Scores(double lossSum, long correct, int[] predicted) {}

    /**
     * The one evaluation loop: inference over labelled {@code tokens} with {@link #inferBatches},
     * each sample's loss −log softmax(logits)_label (the training loss of
     * {@link SoftmaxCrossEntropy}, summed in double) and its argmax. Each batch keeps its own sums,
     * added in batch order, so the figures do not depend on {@code parallel}'s thread count.
     *
     * @throws IllegalArgumentException if the counts differ or a label is outside [0, K)
     */
    public Scores score(int[][] tokens, int[] labels, int batchSize, org.jrnn.kernels.Parallel parallel) {
        requireOneOutputPerSequence();
        if (tokens.length != labels.length) throw new IllegalArgumentException(tokens.length + " sequences but " + labels.length + " labels");
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, received: " + batchSize);
        int k = outputSize;
        int batches = (tokens.length + batchSize - 1) / batchSize;
        double[] loss = new double[batches];
        long[] correct = new long[batches];
        int[] predicted = new int[tokens.length];
        inferBatches(tokens, batchSize, parallel, (bi, from, pass) -> {
            float[] z = pass.logits().data; // (B, K), sorted order
            int[] original = pass.batch().layout.sortedToOriginal;
            double l = 0;
            long c = 0;
            for (int s = 0; s < original.length; s++) {
                int i = from + original[s];
                int o = s * k;
                int arg = SoftmaxCrossEntropy.argmax(z, o, k);
                l += SoftmaxCrossEntropy.crossEntropy(z, o, k, labels[i], z[o + arg]);
                if (arg == labels[i]) c++;
                predicted[i] = arg;
            }
            loss[bi] = l;
            correct[bi] = c;
        });
        double lossSum = 0;
        long correctSum = 0;
        for (int bi = 0; bi < batches; bi++) {
            lossSum += loss[bi];
            correctSum += correct[bi];
        }
        return new Scores(lossSum, correctSum, predicted);
    }

    /** What {@link #scoreSteps} found: summed cross-entropy over the {@code count} counted steps, and how many the argmax got right. */
    public record StepScores(double lossSum, long count, long correct) {}

    /**
     * The per-step twin of {@link #score}: inference over {@code tokens}, each counted step's loss
     * −log softmax(logits)_target (the training loss of {@link PerStepCrossEntropy}, summed in
     * double) against {@code targets} (B, T) in the caller's order; steps without a row or whose
     * target is {@code ignoreIndex} do not count. Batch sums are added in batch order, so the
     * figures do not depend on {@code parallel}'s thread count.
     */
    public StepScores scoreSteps(int[][] tokens, int[][] targets, int ignoreIndex, int batchSize, org.jrnn.kernels.Parallel parallel) {
        checkPerStep();
        if (tokens.length != targets.length) throw new IllegalArgumentException(tokens.length + " sequences but " + targets.length + " target rows");
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, received: " + batchSize);
        int k = outputSize;
        int batches = (tokens.length + batchSize - 1) / batchSize;
        double[] loss = new double[batches];
        long[] count = new long[batches];
        long[] correct = new long[batches];
        inferBatches(tokens, batchSize, parallel, (bi, from, pass) -> {
            float[] z = pass.logits().data; // (N, K)
            int to = from + pass.batch().layout.batch;
            int[] y = pass.batch().packTargets(java.util.Arrays.copyOfRange(targets, from, to), ignoreIndex);
            double l = 0;
            long n = 0;
            long c = 0;
            for (int r = 0; r < y.length; r++) {
                if (y[r] == ignoreIndex) continue;
                if (y[r] < 0 || y[r] >= k) throw new IllegalArgumentException("target " + y[r] + " outside [0, " + k + ")");
                int o = r * k;
                int arg = SoftmaxCrossEntropy.argmax(z, o, k);
                l += SoftmaxCrossEntropy.crossEntropy(z, o, k, y[r], z[o + arg]);
                if (arg == y[r]) c++;
                n++;
            }
            loss[bi] = l;
            count[bi] = n;
            correct[bi] = c;
        });
        double lossSum = 0;
        long n = 0;
        long c = 0;
        for (int bi = 0; bi < batches; bi++) {
            lossSum += loss[bi];
            n += count[bi];
            c += correct[bi];
        }
        return new StepScores(lossSum, n, c);
    }

    /** Class probabilities (B, K) in the caller's order. */
    public float[][] predictProbabilities(int[][] tokens) {
        return predictProbabilities(tokens, null);
    }

    /**
     * Class probabilities (B, K) in the caller's order, with an optional {@link InferencePlan}: the
     * head's {@link OutputActivation} of its logits (for linear, the logits themselves).
     */
    public float[][] predictProbabilities(int[][] tokens, InferencePlan plan) {
        requireOneOutputPerSequence();
        Pass p = forward(batch(tokens), plan);
        Matrix logits = p.logits();
        int k = logits.cols;
        float[] probs = switch (outputActivation) {
            case SOFTMAX -> SoftmaxCrossEntropy.softmax(logits.data, logits.rows, k);
            case SIGMOID -> sigmoid(logits.data);
            case LINEAR -> logits.data;
        };
        float[][] out = new float[tokens.length][];
        int[] map = p.batch().layout.sortedToOriginal;
        for (int s = 0; s < map.length; s++) {
            float[] row = new float[k];
            System.arraycopy(probs, s * k, row, 0, k);
            out[map[s]] = row;
        }
        return out;
    }

    private static float[] sigmoid(float[] z) {
        float[] p = new float[z.length];
        for (int i = 0; i < z.length; i++) p[i] = (float) (1.0 / (1.0 + Math.exp(-z[i])));
        return p;
    }

    /** A per-step training pass: the forward pass (logits (N, K) on the batch's packed rows) and its masked loss. */
    public record StepPass(Pass pass, PerStepCrossEntropy.Result loss) {}

    /**
     * The per-step twin of the classification step (forward, {@link SoftmaxCrossEntropy},
     * backward): forward in training mode, {@link PerStepCrossEntropy} against {@code targets}
     * (B, T) in the caller's order ({@link SequenceBatch#packTargets}), backward adding every
     * parameter's gradient into {@code grads}. Padded steps and steps whose target is
     * {@code ignoreIndex} contribute nothing.
     */
    public StepPass forwardBackwardSteps(SequenceBatch batch, int[][] targets, int ignoreIndex, RandomGenerator rng, Gradients grads) {
        return forwardBackwardSteps(batch, targets, ignoreIndex, rng, grads, null);
    }

    /**
     * {@link #forwardBackwardSteps(SequenceBatch, int[][], int, RandomGenerator, Gradients)} from the
     * recurrent layers' {@code initial} states (null: zeros), see
     * {@link #forward(SequenceBatch, boolean, RandomGenerator, RecurrentStates)}; the pass's final
     * states are {@link #finalStates}{@code (result.pass())}.
     */
    public StepPass forwardBackwardSteps(SequenceBatch batch, int[][] targets, int ignoreIndex, RandomGenerator rng, Gradients grads,
                                         RecurrentStates initial) {
        checkPerStep();
        Pass pass = forward(batch, true, rng, initial);
        Matrix logits = pass.logits(); // (N, K)
        PerStepCrossEntropy.Result r = PerStepCrossEntropy.compute(logits, batch.packTargets(targets, ignoreIndex), ignoreIndex);
        backward(pass, new Matrix(r.dLogits(), logits.rows, logits.cols, logits.layout), grads);
        return new StepPass(pass, r);
    }

    /** Per-step probabilities (B, T_b, K) in the caller's order; see {@link #unpackSteps}. */
    public float[][][] predictStepProbabilities(int[][] tokens) {
        return predictStepProbabilities(tokens, null);
    }

    /** Per-step probabilities with an optional {@link InferencePlan}: softmax of the inference logits. */
    public float[][][] predictStepProbabilities(int[][] tokens, InferencePlan plan) {
        checkPerStep();
        Matrix logits = forward(batch(tokens), plan).logits();
        float[] probs = SoftmaxCrossEntropy.softmax(logits.data, logits.rows, logits.cols);
        return unpackSteps(new Matrix(probs, logits.rows, logits.cols, logits.layout));
    }

    /**
     * Per-step rows (N, K) of a packed batch as (B, T_b, K) in the caller's order, T_b the steps
     * sequence b has rows for: its unpadded length under masking (at least 1), the batch's longest
     * length without it. Padded steps have no output, so they get no row.
     */
    public static float[][][] unpackSteps(Matrix steps) {
        PackedLayout lay = steps.layout;
        if (lay == null) throw new IllegalArgumentException("expected per-step rows of a packed batch, received " + steps);
        int k = steps.cols;
        float[][][] out = new float[lay.batch][][];
        for (int s = 0; s < lay.batch; s++) {
            float[][] seq = new float[lay.lengths[s]][k];
            for (int t = 0; t < seq.length; t++) System.arraycopy(steps.data, lay.row(t, s) * k, seq[t], 0, k);
            out[lay.sortedToOriginal[s]] = seq;
        }
        return out;
    }

    /**
     * What stepping needs from the current weights, computed once by {@link #planSteps} and
     * shared read-only by any number of {@link StepState}s on any threads: the input projection
     * of every vocabulary entry for a recurrent layer right after the embedding (as
     * {@link InferencePlan}), each recurrent layer's W_hhᵀ, and every product's weight prepared
     * for one-row products. Valid until the weights change: plan again then.
     */
    public static final class StepPlan {
        private final float[] table;        // (V, G·H) of layer 0, or null
        private final float[][] whhT;       // per layer: (H, G·H) for a recurrent layer, else null
        private final float[][] prepared;   // per layer: W_ih (recurrent) or W (Dense) prepared, else null

        private StepPlan(float[] table, float[][] whhT, float[][] prepared) {
            this.table = table;
            this.whhT = whhT;
            this.prepared = prepared;
        }
    }

    /** Largest projection table a {@link StepPlan} builds (floats, V·G·H): 64 MiB; a bigger vocabulary steps through W_ih. */
    static final long MAX_STEP_TABLE = 16L << 20;

    /**
     * A {@link StepPlan} for the current weights.
     *
     * @throws IllegalArgumentException for a Bidirectional or goBackwards layer (see {@link #startSteps})
     * @throws IllegalStateException for a model without a per-step output
     */
    public StepPlan planSteps() {
        checkPerStep();
        int n = layers.size();
        for (Layer l : layers) {
            if (l instanceof Bidirectional) {
                throw new IllegalArgumentException(l + " reads each sequence from both ends: a model with it cannot step token by token");
            }
            if (l instanceof RecurrentLayer r) r.checkCanStep();
        }
        float[][] whhT = new float[n][];
        float[][] prepared = new float[n][];
        float[] table = null;
        for (int i = 0; i < n; i++) {
            Layer l = layers.get(i);
            if (l instanceof RecurrentLayer r) {
                whhT[i] = r.transposedWhh();
                if (i == 0 && (long) embedding.vocabSize() * r.gates * r.units <= MAX_STEP_TABLE) {
                    try (org.jrnn.kernels.Parallel one = new org.jrnn.kernels.Parallel(1)) {
                        table = r.projectionTable(embedding.weight().data, embedding.vocabSize(), one);
                    }
                } else {
                    prepared[i] = r.preparedWih();
                }
            } else if (stepDense(l) != null) {
                prepared[i] = stepDense(l).prepareWeight();
            }
        }
        return new StepPlan(table, whhT, prepared);
    }

    /** The Dense a layer applies per step (itself or TimeDistributed's), or null. */
    private static Dense stepDense(Layer l) {
        if (l instanceof Dense d) return d;
        if (l instanceof TimeDistributed t) return t.layer();
        return null;
    }

    /**
     * B streams stepped one token at a time (generation): each recurrent layer's state after the
     * tokens stepped so far, so a new token costs one step, never a pass over the prefix, and
     * every buffer a step needs, allocated once. Made by {@link #startSteps}; reads the weights'
     * stepping forms from its {@link StepPlan}. Not thread-safe: one per thread.
     */
    public static final class StepState {
        private final int streams;
        private final StepPlan plan;
        private final RecurrentLayer.StepBuffers[] buffers; // per layer, null for the non-recurrent ones
        private final float[][] outputs;                    // per layer: (B, out) of a Dense, else null
        private final float[] embedded;                     // (B, E) when layer 0 has no projection table, else null
        private int steps;

        private StepState(int streams, StepPlan plan, RecurrentLayer.StepBuffers[] buffers, float[][] outputs, float[] embedded) {
            this.streams = streams;
            this.plan = plan;
            this.buffers = buffers;
            this.outputs = outputs;
            this.embedded = embedded;
        }

        public int streams() {
            return streams;
        }

        /** Tokens stepped so far per stream. */
        public int steps() {
            return steps;
        }

        /** Layer {@code layer}'s h (B, H) after the last step (a copy), or null for a layer without a state. */
        float[] h(int layer) {
            return buffers[layer] == null ? null : buffers[layer].state.clone();
        }

        /** Layer {@code layer}'s c (B, H) after the last step (a copy), or null. */
        float[] c(int layer) {
            return buffers[layer] == null || buffers[layer].cell == null ? null : buffers[layer].cell.clone();
        }
    }

    /**
     * Zero states for {@code streams} streams of a per-step model whose layers all read forwards,
     * on a fresh {@link #planSteps} (to start many, plan once and use {@link #startSteps(int, StepPlan)}).
     *
     * @throws IllegalArgumentException for a Bidirectional or goBackwards layer: it reads each
     *     sequence from its end, which a stream does not have yet
     */
    public StepState startSteps(int streams) {
        checkPerStep();
        if (streams < 1) throw new IllegalArgumentException("streams must be >= 1, received: " + streams);
        return startSteps(streams, planSteps());
    }

    /** Zero states for {@code streams} streams on a plan of this model's current weights. */
    public StepState startSteps(int streams, StepPlan plan) {
        if (streams < 1) throw new IllegalArgumentException("streams must be >= 1, received: " + streams);
        int n = layers.size();
        if (plan.whhT.length != n) throw new IllegalArgumentException("the step plan is for a model of " + plan.whhT.length + " layers, this one has " + n);
        RecurrentLayer.StepBuffers[] buffers = new RecurrentLayer.StepBuffers[n];
        float[][] outputs = new float[n][];
        for (int i = 0; i < n; i++) {
            Layer l = layers.get(i);
            if (l instanceof RecurrentLayer r) buffers[i] = r.startSteps(streams, plan.whhT[i], plan.prepared[i]);
            else if (stepDense(l) != null) outputs[i] = new float[streams * stepDense(l).units()];
        }
        float[] embedded = plan.table == null ? new float[streams * embedding.dim()] : null;
        return new StepState(streams, plan, buffers, outputs, embedded);
    }

    /**
     * Advances every stream by one token and returns the logits (B, K) of that step, stream b in
     * row b: the logits the full forward gives that step. Bit for bit when the batch's sequences
     * have equal lengths (the rows of each step are then the same), for one stream too; every
     * token is read, 0 too. The returned matrix is the state's buffer: valid until the next
     * step (copy it to keep it).
     */
    public Matrix step(StepState state, int[] tokenPerStream) {
        int b = state.streams;
        if (tokenPerStream.length != b) {
            throw new IllegalArgumentException(tokenPerStream.length + " tokens for " + b + " streams");
        }
        int v = embedding.vocabSize();
        for (int id : tokenPerStream) {
            if (id < 0 || id >= v) throw new IllegalArgumentException("token id " + id + " outside the vocabulary [0, " + v + ")");
        }
        float[] x;
        int cols;
        int first = 0;
        if (state.plan.table != null) { // layer 0 is recurrent: its input projection is a table row per token
            RecurrentLayer r = (RecurrentLayer) layers.get(0);
            x = r.stepProjected(state.buffers[0], state.plan.table, tokenPerStream);
            cols = r.units;
            first = 1;
        } else {
            int e = embedding.dim();
            float[] w = embedding.weight().data;
            for (int s = 0; s < b; s++) System.arraycopy(w, tokenPerStream[s] * e, state.embedded, s * e, e);
            x = state.embedded;
            cols = e;
        }
        for (int i = first; i < layers.size(); i++) {
            Layer l = layers.get(i);
            Dense d = stepDense(l);
            if (l instanceof RecurrentLayer r) {
                x = r.step(state.buffers[i], x);
                cols = r.units;
            } else if (d != null) {
                d.stepRows(x, b, state.plan.prepared[i], state.outputs[i]);
                x = state.outputs[i];
                cols = d.units();
            } else { // row-wise layers without weights (dropout: the identity at inference)
                Matrix y = l.infer(new Matrix(x, b, cols, PackedLayout.uniform(b, 1)));
                x = y.data;
                cols = y.cols;
            }
        }
        state.steps++;
        return new Matrix(x, b, cols, null);
    }

    /** Keras' model.summary(): layer, output shape and parameter count (Keras convention). */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        String fmt = "%-46s %-18s %12s%n";
        String rule = "-".repeat(78) + System.lineSeparator();
        sb.append(String.format(Locale.ROOT, fmt, "Layer (type)", "Output Shape", "Param #"));
        sb.append(rule.replace('-', '='));
        long kerasTotal = embedding.weight().size();
        sb.append(String.format(Locale.ROOT, fmt, embedding.toString(), "(None, None, " + embedding.dim() + ")",
                String.format(Locale.ROOT, "%,d", embedding.weight().size())));
        boolean seq = true;
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            seq = l.returnsSequences(seq);
            long n = kerasParamCount(l);
            kerasTotal += n;
            int width = outputSizes.get(i);
            String shape = seq ? "(None, None, " + width + ")" : "(None, " + width + ")";
            sb.append(String.format(Locale.ROOT, fmt, l.toString(), shape, String.format(Locale.ROOT, "%,d", n)));
        }
        sb.append(rule.replace('-', '='));
        sb.append(String.format(Locale.ROOT, "Total params (Keras count): %,d%n", kerasTotal));
        long stored = paramCount();
        if (stored != kerasTotal) {
            sb.append(String.format(Locale.ROOT, "Stored params (PyTorch layout, separate b_ih and b_hh): %,d%n", stored));
        }
        return sb.toString();
    }

    /**
     * Keras counts one recurrent bias for SimpleRNN and LSTM (b_ih + b_hh are one vector there)
     * and two for GRU (reset_after=True); PyTorch always stores two.
     */
    static long kerasParamCount(Layer l) {
        if (l instanceof Bidirectional b) return 2 * kerasParamCount(b.forwardLayer());
        long n = 0;
        for (Param p : l.params()) n += p.size();
        if (l instanceof RecurrentLayer r && !(l instanceof GRU)) n -= (long) r.gates * r.units;
        return n;
    }
}
