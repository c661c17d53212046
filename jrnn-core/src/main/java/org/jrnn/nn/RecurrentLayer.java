package org.jrnn.nn;

import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;
import org.jrnn.kernels.Kernels;

/**
 * The time loop shared by {@link SimpleRNN}, {@link LSTM} and {@link GRU} over a packed batch.
 * The input projection of all real tokens is one product; each step then multiplies only the
 * rows still running by W_hh, so padding costs nothing and a finished sequence keeps its
 * state — Keras' masking semantics, and PyTorch's packed-sequence semantics.
 * {@code goBackwards} walks each sequence from its own last real token to its first; its final
 * state is the one after the first token (PyTorch's reverse h_n), and with {@code returnSequences}
 * step t's output stays on step t's row: the state after reading steps n−1 … t. That is the
 * order Keras' Bidirectional restores for its backward layer; Keras' standalone
 * {@code go_backwards} layer returns the same states in reading order instead.
 * Sequences start from zeros, or (reading forwards) from a given initial state, as PyTorch's
 * {@code rnn(x, h0)}: truncated BPTT's state carried from the window before, detached.
 *
 * <p>Parameters as PyTorch: weight_ih (G·H, I), weight_hh (G·H, H), bias_ih, bias_hh (G·H),
 * G = gates per cell; subclasses define the step math in {@link #cellForward}/{@link #cellBackward}.
 */
public abstract class RecurrentLayer implements Layer {
    protected final int units; // H
    protected final int gates; // G
    private final boolean returnSequences;
    private final boolean goBackwards;
    protected int inputSize; // I
    protected Param weightIh;
    protected Param weightHh;
    protected Param biasIh;
    protected Param biasHh;

    protected RecurrentLayer(int units, int gates, boolean returnSequences, boolean goBackwards) {
        if (units < 1) throw new IllegalArgumentException(getClass().getSimpleName() + " units must be >= 1, received: " + units);
        this.units = units;
        this.gates = gates;
        this.returnSequences = returnSequences;
        this.goBackwards = goBackwards;
    }

    /** A fresh, unbuilt layer of the same type and size running the other way (for Bidirectional). */
    public abstract RecurrentLayer reversed();

    /** Whether the cell keeps a cell state besides h (LSTM). */
    protected boolean hasCellState() {
        return false;
    }

    public int units() {
        return units;
    }

    public boolean returnSequences() {
        return returnSequences;
    }

    public boolean goBackwards() {
        return goBackwards;
    }

    @Override
    public boolean returnsSequences(boolean inputIsSequence) {
        return returnSequences;
    }

    @Override
    public int build(int inputSize, RandomGenerator rng) {
        this.inputSize = inputSize;
        int gh = gates * units;
        weightIh = new Param(paramName("weight_ih"), gh, inputSize);
        weightHh = new Param(paramName("weight_hh"), gh, units);
        biasIh = new Param(paramName("bias_ih"), gh);
        biasHh = new Param(paramName("bias_hh"), gh);
        // Keras: kernel glorot_uniform over (I, G·H), recurrent_kernel orthogonal, bias zeros.
        Initializers.glorotUniform(weightIh.data, inputSize, gh, rng);
        Initializers.orthogonal(weightHh.data, gh, units, rng);
        initBias(biasIh.data);
        return units;
    }

    /** Hook for cell-specific bias init (LSTM's unit forget bias). */
    protected void initBias(float[] biasIh) {}

    /** Local names as PyTorch's single-layer RNN module: weight_ih, ..., with _reverse for a backward layer. */
    private String paramName(String base) {
        return base + (goBackwards ? "_reverse" : "");
    }

    @Override
    public boolean requiresSequenceInput() {
        return true;
    }

    @Override
    public List<Param> params() {
        return List.of(weightIh, weightHh, biasIh, biasHh);
    }

    /** What one call keeps for backward. */
    static final class Cache {
        Matrix x;        // (N, I)
        float[] gates;   // (N, G·H) cell-defined: activated gates
        float[] hh;      // (N, G·H) h_{t-1}·W_hhᵀ + b_hh
        float[] out;     // (N, H) h_t of every real step
        float[] cell;    // (N, H) c_t (LSTM) or null
        float[] cellTanh; // (N, H) tanh(c_t) (LSTM) or null
        float[] work;    // (B, H) per-step scratch of the cell (GRU)
        float[] h0;      // (B, H) initial h in sorted order, or null (zeros)
        float[] c0;      // (B, H) initial c (LSTM) in sorted order, or null (zeros)
    }

    /** Full forward over the sequence from zero states; the per-step output (N, H) stays in the cache. */
    Cache forwardSequence(Matrix x) {
        return forwardSequence(x, null, null);
    }

    /**
     * Full forward from initial states h0 and c0 (B, H) in the layout's sorted order, each null
     * for zeros (the zero path runs exactly as before: no copy, the same bits).
     */
    Cache forwardSequence(Matrix x, float[] h0, float[] c0) {
        checkInput(x);
        if (h0 != null || c0 != null) checkInitialState(x.layout, h0, c0);
        Cache c = new Cache();
        c.h0 = h0;
        c.c0 = c0;
        runSteps(x.layout, inputProjection(x), c);
        c.x = x;
        return c;
    }

    private void checkInitialState(PackedLayout lay, float[] h0, float[] c0) {
        if (goBackwards) {
            throw new IllegalArgumentException(this + " reads each sequence from its end: it cannot start from a carried state");
        }
        int n = lay.batch * units;
        if (h0 != null && h0.length != n) {
            throw new IllegalArgumentException(this + " initial h for " + lay.batch + " sequences needs " + n + " values (B, H), received " + h0.length);
        }
        if (c0 != null && !hasCellState()) throw new IllegalArgumentException(this + " has no cell state; received an initial c");
        if (c0 != null && c0.length != n) {
            throw new IllegalArgumentException(this + " initial c for " + lay.batch + " sequences needs " + n + " values (B, H), received " + c0.length);
        }
    }

    private void checkInput(Matrix x) {
        if (x.layout == null) {
            throw new IllegalArgumentException(this + " expects a sequence input (B, T, " + inputSize
                    + "); received a (B, " + x.cols + ") matrix: the layer before must return sequences");
        }
        if (x.cols != inputSize) {
            throw new IllegalArgumentException(this + " expects " + inputSize + " input features, received: " + x.cols);
        }
    }

    /** x·W_ihᵀ + b_ih for all steps at once (N, G·H): one product per layer per batch. */
    private float[] inputProjection(Matrix x) {
        int n = x.layout.rows;
        int gh = gates * units;
        Kernels k = Kernels.get();
        float[] pre = new float[n * gh];
        k.matmulABt(x.data, 0, weightIh.data, 0, pre, 0, n, inputSize, gh);
        k.addRowVector(biasIh.data, 0, pre, 0, n, gh);
        return pre;
    }

    /**
     * x·W_ihᵀ + b_ih for every row of an embedding table (V, I) → (V, G·H). For inference on a
     * layer right after the embedding: the input projection of a token is then a row lookup.
     */
    float[] projectionTable(float[] embeddingWeight, int vocab, org.jrnn.kernels.Parallel parallel) {
        int gh = gates * units;
        float[] t = new float[vocab * gh];
        // Vocabulary rows split across threads: each row's product is the same whichever thread runs it.
        parallel.forRanges(vocab, (from, to) -> {
            Kernels.get().matmulABt(embeddingWeight, from * inputSize, weightIh.data, 0, t, from * gh, to - from, inputSize, gh);
            Kernels.get().addRowVector(biasIh.data, 0, t, from * gh, to - from, gh);
        });
        return t;
    }

    /** Inference from token ids with a {@link #projectionTable}: row r's input projection is table row ids[r]. */
    Matrix inferProjected(int[] ids, PackedLayout lay, float[] table) {
        return inferSteps(lay, table, ids);
    }

    @Override
    public Matrix infer(Matrix x) {
        checkInput(x);
        return inferSteps(x.layout, inputProjection(x), null);
    }

    /**
     * The inference time loop: the step math of {@link #runSteps}, bit for bit, but keeping only
     * each sequence's running state (B, H) instead of every step's gates, and on per-thread
     * scratch. Sequences are sorted longest first, so the rows running at any step are a prefix
     * of the batch: state rows update in place, a finished sequence's row keeps its final state,
     * and (going backwards) a sequence that has not started yet still holds zeros.
     * Row r's input projection is {@code xs[(ids == null ? r : ids[r]) · G·H ...]}.
     */
    private Matrix inferSteps(PackedLayout lay, float[] xs, int[] ids) {
        int h = units;
        int gh = gates * h;
        int batch = lay.batch;
        Workspace ws = Workspace.get();
        Cache c = new Cache();
        c.gates = ws.floats(Workspace.GATES, batch * gh);
        c.hh = ws.floats(Workspace.HH, batch * gh);
        c.work = ws.floats(Workspace.WORK, batch * h);
        float[] state = new float[batch * h]; // (B, H): the result unless returning sequences
        c.out = state;
        if (hasCellState()) {
            c.cell = new float[batch * h];
            c.cellTanh = ws.floats(Workspace.CELL_TANH, batch * h);
        }
        float[] sequence = returnSequences ? new float[lay.rows * h] : null; // (N, H)
        float[] whhT = transposedWhh(ws.floats(Workspace.WHH_T, h * gh));
        int steps = lay.steps;
        for (int s = 0; s < steps; s++) {
            int t = goBackwards ? steps - 1 - s : s;
            inferStep(lay.batchSizes[t], lay.offsets[t], xs, ids, c, state, whhT, sequence);
        }
        return returnSequences ? new Matrix(sequence, lay.rows, h, lay) : new Matrix(state, batch, h, null);
    }

    /**
     * One step of {@link #inferSteps} for the first {@code rows} sequences, whose rows start at
     * {@code o}. Its own method because it runs once per step: the JIT compiles it fully after
     * a few batches, while a loop inside a method called once per batch waited ~600 batches
     * (C2's minimum invocation count) in slower profiled code: a fresh process's first 20
     * passes over the test set ran at half speed.
     */
    private void inferStep(int rows, int o, float[] xs, int[] ids, Cache c, float[] state, float[] whhT, float[] sequence) {
        int gh = gates * units;
        for (int r = 0; r < rows; r++) {
            System.arraycopy(xs, (ids == null ? o + r : ids[o + r]) * gh, c.gates, r * gh, gh);
        }
        java.util.Arrays.fill(c.hh, 0, rows * gh, 0f);
        recurrentProduct(state, whhT, c.hh, 0, rows);
        cellForward(rows, 0, c, state, c.cell); // in place: each element reads its old state first
        if (sequence != null) System.arraycopy(state, 0, sequence, o * units, rows * units);
    }

    /**
     * What stepping {@code streams} sequences one token at a time keeps between steps: each
     * stream's state (and cell) and the step's scratch, all allocated once, plus the weights'
     * stepping forms (W_hhᵀ, prepared W_ih) shared read-only with other streams of the same plan.
     */
    final class StepBuffers {
        final int streams;
        final float[] state;       // (B, H) h after the last step: the layer's output
        final float[] cell;        // (B, H) c (LSTM) or null
        final float[] whhT;        // (H, G·H) shared
        final float[] wihPrepared; // Kernels.prepareABt of W_ih, shared
        final Cache c = new Cache();

        StepBuffers(int streams, float[] whhT, float[] wihPrepared) {
            int h = units;
            int gh = gates * h;
            this.streams = streams;
            this.whhT = whhT;
            this.wihPrepared = wihPrepared;
            state = new float[streams * h];
            cell = hasCellState() ? new float[streams * h] : null;
            c.gates = new float[streams * gh];
            c.hh = new float[streams * gh];
            c.out = state;
            c.cell = cell;
            c.cellTanh = hasCellState() ? new float[streams * h] : null;
            c.work = new float[streams * h];
        }
    }

    /** W_hhᵀ (H, G·H) of the current weights, for {@link #startSteps}. */
    float[] transposedWhh() {
        return transposedWhh(new float[units * gates * units]);
    }

    /** W_ih prepared for one-row products ({@code Kernels.prepareABt}), for {@link #startSteps}. */
    float[] preparedWih() {
        return Kernels.get().prepareABt(weightIh.data, 0, inputSize, gates * units);
    }

    /** Zero states for {@code streams} streams, to {@link #step} from, on the weights' stepping forms. */
    StepBuffers startSteps(int streams, float[] whhT, float[] wihPrepared) {
        checkCanStep();
        return new StepBuffers(streams, whhT, wihPrepared);
    }

    /** Throws for a layer that cannot step (goBackwards), before any stepping form is computed. */
    void checkCanStep() {
        if (goBackwards) throw new IllegalArgumentException(this + " reads each sequence from its end: it cannot step token by token");
    }

    /**
     * Advances every stream by one step on input rows {@code x} (B, I) and returns the new
     * states (B, H), updated in place in {@code s} (copy them to keep them). The arithmetic of
     * {@link #runSteps} on the same rows, so stepping a batch whose sequences have equal lengths
     * gives the full forward's outputs bit for bit: the input projection on the prepared W_ih
     * gives each row the bits of the batch's product ({@code Kernels.matmulABtPrepared}), the
     * cell runs in place as in {@link #inferStep}.
     */
    float[] step(StepBuffers s, float[] x) {
        int b = s.streams;
        int gh = gates * units;
        if (x.length < b * inputSize) {
            throw new IllegalArgumentException(this + " steps " + b + " streams of " + inputSize + " features, received " + x.length + " values");
        }
        Arrays.fill(s.c.gates, 0f);
        Kernels k = Kernels.get();
        k.matmulABtPrepared(x, 0, weightIh.data, 0, s.wihPrepared, s.c.gates, 0, b, inputSize, gh);
        k.addRowVector(biasIh.data, 0, s.c.gates, 0, b, gh);
        return advance(s);
    }

    /**
     * {@link #step} for the layer right after the embedding, its input projection read from a
     * {@link #projectionTable} (row = token id): the same bits, without the product.
     */
    float[] stepProjected(StepBuffers s, float[] table, int[] ids) {
        int gh = gates * units;
        for (int r = 0; r < s.streams; r++) System.arraycopy(table, ids[r] * gh, s.c.gates, r * gh, gh);
        return advance(s);
    }

    /** The recurrent half of a step, the input projection already in the gates. */
    private float[] advance(StepBuffers s) {
        Arrays.fill(s.c.hh, 0f);
        recurrentProduct(s.state, s.whhT, s.c.hh, 0, s.streams);
        cellForward(s.streams, 0, s.c, s.state, s.cell); // in place: each element reads its old state first
        return s.state;
    }

    /**
     * hh rows += hPrev·W_hhᵀ + b_hh for {@code rows} rows (hh starts at zero): the one place the
     * training and inference loops compute it, so both give the same bits.
     */
    private void recurrentProduct(float[] hPrev, float[] whhT, float[] hh, int hhOff, int rows) {
        int gh = gates * units;
        Kernels k = Kernels.get();
        k.matmulAB(hPrev, 0, whhT, 0, hh, hhOff, rows, gh, units);
        k.addRowVector(biasHh.data, 0, hh, hhOff, rows, gh);
    }

    /** W_hhᵀ (H, G·H) into {@code into}. */
    private float[] transposedWhh(float[] into) {
        int h = units;
        int gh = gates * h;
        float[] whh = weightHh.data;
        for (int r = 0; r < gh; r++) {
            for (int j = 0; j < h; j++) into[j * gh + r] = whh[r * h + j];
        }
        return into;
    }

    /**
     * The time loop over a packed batch, given every row's input projection (N, G·H), from the
     * cache's initial states (null: zeros).
     */
    private void runSteps(PackedLayout lay, float[] pre, Cache c) {
        int n = lay.rows;
        int h = units;
        int gh = gates * h;
        c.gates = pre;
        c.hh = new float[n * gh];
        c.out = new float[n * h];
        c.cell = hasCellState() ? new float[n * h] : null;
        c.cellTanh = hasCellState() ? new float[n * h] : null;
        c.work = new float[lay.batch * h];
        float[] hPrev = new float[lay.batch * h]; // (B, H)
        float[] cPrev = hasCellState() ? new float[lay.batch * h] : null;
        // W_hhᵀ (H, G·H), once per call: each step's h·W_hhᵀ then runs in the kernels' axpy form
        // (matmulAB), which is fast on few rows; the dot form re-transposes W on every call.
        float[] whhT = transposedWhh(new float[h * gh]);
        int steps = lay.steps;
        for (int s = 0; s < steps; s++) {
            int t = goBackwards ? steps - 1 - s : s;
            int rows = lay.batchSizes[t];
            int o = lay.offsets[t];
            loadPrevious(lay, t, rows, c.out, hPrev, c.h0);
            if (cPrev != null) loadPrevious(lay, t, rows, c.cell, cPrev, c.c0);
            recurrentProduct(hPrev, whhT, c.hh, o * gh, rows);
            cellForward(rows, o, c, hPrev, cPrev);
        }
    }

    /** The step processed before t: t−1 forwards, t+1 backwards. */
    private int previousStep(int t, int steps) {
        int p = goBackwards ? t + 1 : t - 1;
        return p >= 0 && p < steps ? p : -1;
    }

    /**
     * Copies the state each running row had after the previous step into buf (rows, H).
     * Rows that had no previous step (the first step, or a sequence that starts later when
     * going backwards) start from {@code initial} (B, H), or from zeros when it is null. Reading
     * forwards, only step 0 has such rows, all B of them.
     */
    private void loadPrevious(PackedLayout lay, int t, int rows, float[] states, float[] buf, float[] initial) {
        int h = units;
        int p = previousStep(t, lay.steps);
        int m = p < 0 ? 0 : Math.min(rows, lay.batchSizes[p]);
        if (m > 0) System.arraycopy(states, lay.offsets[p] * h, buf, 0, m * h);
        if (initial == null) Arrays.fill(buf, m * h, rows * h, 0f);
        else System.arraycopy(initial, m * h, buf, m * h, (rows - m) * h);
    }

    /**
     * One step for {@code rows} running sequences whose packed rows start at {@code o}:
     * c.gates rows hold x·W_ihᵀ + b_ih, c.hh rows hold h·W_hhᵀ + b_hh. Must write c.out rows
     * (and c.cell rows), and may overwrite c.gates rows with what backward needs.
     */
    protected abstract void cellForward(int rows, int o, Cache c, float[] hPrev, float[] cPrev);

    /**
     * Backward of one step. dh (rows, H) is dL/dh_t; dc (rows, H) is dL/dc_t on entry and must
     * hold dL/dc_{t-1} on exit (LSTM only). Writes dL/d(x-projection) into dGates rows from
     * {@code o}, dL/d(h-projection) into dHh (rows, G·H), and may add direct terms into
     * dhPrev (rows, H, zeroed by the caller).
     */
    protected abstract void cellBackward(int rows, int o, Cache c, float[] dh, float[] dc, float[] hPrev, float[] cPrev,
                                         float[] dGates, float[] dHh, float[] dhPrev);

    /** Final state per sequence (B, H), sorted order: each sequence's last processed step. */
    Matrix finalState(Cache c) {
        return new Matrix(finalRows(c, c.out), c.x.layout.batch, units, null);
    }

    /** Final cell state per sequence (B, H), sorted order, as {@link #finalState}; null without a cell state. */
    float[] finalCell(Cache c) {
        return c.cell == null ? null : finalRows(c, c.cell);
    }

    private float[] finalRows(Cache c, float[] states) {
        PackedLayout lay = c.x.layout;
        int h = units;
        float[] y = new float[lay.batch * h];
        for (int b = 0; b < lay.batch; b++) {
            System.arraycopy(states, finalRow(lay, b) * h, y, b * h, h);
        }
        return y;
    }

    private int finalRow(PackedLayout lay, int b) {
        return goBackwards ? lay.row(0, b) : lay.lastRow(b);
    }

    @Override
    public Forward forward(Matrix x, boolean training, RandomGenerator rng) {
        return forward(x, training, rng, null, null);
    }

    /**
     * {@link #forward(Matrix, boolean, RandomGenerator)} from initial states h0 and c0 (B, H), rows
     * in the layout's sorted order ({@link PackedLayout#sortedToOriginal}), each null for zeros:
     * PyTorch's {@code rnn(x, (h0, c0))}. {@link #backward} treats them as constants (no
     * gradient reaches them). A layer reading backwards refuses them.
     */
    public Forward forward(Matrix x, boolean training, RandomGenerator rng, float[] h0, float[] c0) {
        Cache c = forwardSequence(x, h0, c0);
        Matrix y = returnSequences ? new Matrix(c.out, x.rows, units, x.layout) : finalState(c);
        return new Forward(y, c);
    }

    @Override
    public Matrix backward(Object cache, Matrix dy, Gradients grads) {
        Cache c = (Cache) cache;
        PackedLayout lay = c.x.layout;
        int h = units;
        float[] dOut;
        if (returnSequences) {
            dOut = dy.data;
        } else {
            dOut = new float[lay.rows * h];
            for (int b = 0; b < lay.batch; b++) {
                System.arraycopy(dy.data, b * h, dOut, finalRow(lay, b) * h, h);
            }
        }
        return backwardSequence(c, dOut, grads);
    }

    /** BPTT over the packed batch given dL/dh_t for every real step (N, H). */
    Matrix backwardSequence(Cache c, float[] dOut, Gradients grads) {
        PackedLayout lay = c.x.layout;
        int n = lay.rows;
        int h = units;
        int gh = gates * h;
        int batch = lay.batch;
        Kernels k = Kernels.get();
        float[] dGates = new float[n * gh];      // (N, G·H) dL/d(x·W_ihᵀ + b_ih)
        float[] dHh = new float[batch * gh];     // (B, G·H) one step's dL/d(h·W_hhᵀ + b_hh)
        float[] dh = new float[batch * h];       // (B, H)
        float[] dhCarry = new float[batch * h];  // (B, H) from the step processed after this one
        float[] dc = hasCellState() ? new float[batch * h] : null;
        float[] dcCarry = hasCellState() ? new float[batch * h] : null;
        float[] dhPrev = new float[batch * h];
        float[] hPrev = new float[batch * h];
        float[] cPrev = hasCellState() ? new float[batch * h] : null;
        float[] dWhh = grads.of(weightHh);
        float[] dBhh = grads.of(biasHh);
        int steps = lay.steps;
        for (int s = steps - 1; s >= 0; s--) {
            int t = goBackwards ? steps - 1 - s : s;
            int rows = lay.batchSizes[t];
            int o = lay.offsets[t];
            // Step 0 reads the initial state as a constant: nothing flows back into it (detached, as
            // PyTorch's word_language_model repackages the hidden state between BPTT windows).
            loadPrevious(lay, t, rows, c.out, hPrev, c.h0);
            if (cPrev != null) loadPrevious(lay, t, rows, c.cell, cPrev, c.c0);
            for (int i = 0; i < rows * h; i++) dh[i] = dOut[o * h + i] + dhCarry[i];
            if (dc != null) System.arraycopy(dcCarry, 0, dc, 0, rows * h);
            Arrays.fill(dhPrev, 0, rows * h, 0f);
            cellBackward(rows, o, c, dh, dc, hPrev, cPrev, dGates, dHh, dhPrev);
            k.matmulAB(dHh, 0, weightHh.data, 0, dhPrev, 0, rows, h, gh);
            k.matmulAtB(dHh, 0, hPrev, 0, dWhh, 0, rows, h, gh);
            k.addColumnSums(dHh, 0, dBhh, 0, rows, gh);
            // Hand dL/dh_{t-1} to the previous step; rows it does not have started from zeros.
            int p = previousStep(t, steps);
            int pRows = p < 0 ? 0 : lay.batchSizes[p];
            int m = Math.min(rows, pRows);
            System.arraycopy(dhPrev, 0, dhCarry, 0, m * h);
            Arrays.fill(dhCarry, m * h, Math.max(m, pRows) * h, 0f);
            if (dc != null) {
                System.arraycopy(dc, 0, dcCarry, 0, m * h);
                Arrays.fill(dcCarry, m * h, Math.max(m, pRows) * h, 0f);
            }
        }
        k.matmulAtB(dGates, 0, c.x.data, 0, grads.of(weightIh), 0, n, inputSize, gh);
        k.addColumnSums(dGates, 0, grads.of(biasIh), 0, n, gh);
        float[] dx = new float[n * inputSize];
        k.matmulAB(dGates, 0, weightIh.data, 0, dx, 0, n, inputSize, gh);
        return new Matrix(dx, n, inputSize, lay);
    }

    /** Constructor view, as Keras/PyTorch print layers. */
    @Override
    public String toString() {
        return getClass().getSimpleName() + "(" + units
                + (returnSequences ? ", returnSequences=true" : "")
                + (goBackwards ? ", goBackwards=true" : "") + ")";
    }
}
