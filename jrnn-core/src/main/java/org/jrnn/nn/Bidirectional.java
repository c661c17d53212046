package org.jrnn.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.random.RandomGenerator;

/**
 * Runs a recurrent layer forwards and a copy of it backwards over each sequence (from the
 * sequence's own last real token) and merges the two, as Keras {@code Bidirectional}. The
 * reverse copy's parameters carry PyTorch's {@code _reverse} suffix. The final state of the
 * backward run is its state after the first token, as PyTorch's h_n.
 */
public final class Bidirectional implements Layer {

    /** How the two directions are combined (Keras {@code merge_mode}). */
    public enum Merge {
        CONCAT, SUM, MEAN, MUL;

        public static Merge parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown merge mode '" + s + "', expected one of concat, sum, mean, mul");
            }
        }
    }

    private final RecurrentLayer forward;
    private final RecurrentLayer backward;
    private final Merge merge;

    public Bidirectional(RecurrentLayer layer) {
        this(layer, Merge.CONCAT);
    }

    public Bidirectional(RecurrentLayer layer, Merge merge) {
        if (layer.goBackwards()) throw new IllegalArgumentException("Bidirectional wraps a forward layer; received " + layer);
        this.forward = layer;
        this.backward = layer.reversed();
        this.merge = merge;
    }

    public RecurrentLayer forwardLayer() {
        return forward;
    }

    public Merge merge() {
        return merge;
    }

    @Override
    public int build(int inputSize, RandomGenerator rng) {
        int h = forward.build(inputSize, rng);
        backward.build(inputSize, rng);
        return merge == Merge.CONCAT ? 2 * h : h;
    }

    @Override
    public boolean requiresSequenceInput() {
        return true;
    }

    @Override
    public List<Param> params() {
        List<Param> all = new ArrayList<>(forward.params());
        all.addAll(backward.params());
        return all;
    }

    @Override
    public boolean returnsSequences(boolean inputIsSequence) {
        return forward.returnSequences();
    }

    private record Cache(Forward f, Forward b) {}

    @Override
    public Forward forward(Matrix x, boolean training, RandomGenerator rng) {
        return merge(forward.forward(x, training, rng), backward.forward(x, training, rng));
    }

    /** Projection tables of both directions (see {@link RecurrentLayer#projectionTable}). */
    float[][] projectionTables(float[] embeddingWeight, int vocab, org.jrnn.kernels.Parallel parallel) {
        return new float[][] {forward.projectionTable(embeddingWeight, vocab, parallel), backward.projectionTable(embeddingWeight, vocab, parallel)};
    }

    Matrix inferProjected(int[] ids, PackedLayout lay, float[][] tables) {
        return merged(forward.inferProjected(ids, lay, tables[0]), backward.inferProjected(ids, lay, tables[1]));
    }

    @Override
    public Matrix infer(Matrix x) {
        return merged(forward.infer(x), backward.infer(x));
    }

    private Forward merge(Forward f, Forward b) {
        return new Forward(merged(f.y(), b.y()), new Cache(f, b));
    }

    private Matrix merged(Matrix yf, Matrix yb) {
        int rows = yf.rows;
        int h = yf.cols;
        int outCols = merge == Merge.CONCAT ? 2 * h : h;
        float[] y = new float[rows * outCols]; // (R, 2H) or (R, H)
        for (int r = 0; r < rows; r++) {
            int fo = r * h;
            int yo = r * outCols;
            for (int j = 0; j < h; j++) {
                float a = yf.data[fo + j];
                float c = yb.data[fo + j];
                switch (merge) {
                    case CONCAT -> {
                        y[yo + j] = a;
                        y[yo + h + j] = c;
                    }
                    case SUM -> y[yo + j] = a + c;
                    case MEAN -> y[yo + j] = 0.5f * (a + c);
                    case MUL -> y[yo + j] = a * c;
                }
            }
        }
        return new Matrix(y, rows, outCols, yf.layout);
    }

    @Override
    public Matrix backward(Object cache, Matrix dy, Gradients grads) {
        Cache c = (Cache) cache;
        Matrix yf = c.f().y();
        Matrix yb = c.b().y();
        int rows = yf.rows;
        int h = yf.cols;
        float[] df = new float[rows * h];
        float[] db = new float[rows * h];
        for (int r = 0; r < rows; r++) {
            int o = r * h;
            int yo = r * dy.cols;
            for (int j = 0; j < h; j++) {
                switch (merge) {
                    case CONCAT -> {
                        df[o + j] = dy.data[yo + j];
                        db[o + j] = dy.data[yo + h + j];
                    }
                    case SUM -> {
                        df[o + j] = dy.data[yo + j];
                        db[o + j] = dy.data[yo + j];
                    }
                    case MEAN -> {
                        df[o + j] = 0.5f * dy.data[yo + j];
                        db[o + j] = 0.5f * dy.data[yo + j];
                    }
                    case MUL -> {
                        df[o + j] = dy.data[yo + j] * yb.data[o + j];
                        db[o + j] = dy.data[yo + j] * yf.data[o + j];
                    }
                }
            }
        }
        Matrix dxf = forward.backward(c.f().cache(), new Matrix(df, rows, h, yf.layout), grads);
        Matrix dxb = backward.backward(c.b().cache(), new Matrix(db, rows, h, yb.layout), grads);
        for (int i = 0; i < dxf.data.length; i++) dxf.data[i] += dxb.data[i];
        return dxf;
    }

    @Override
    public String toString() {
        return "Bidirectional(" + forward + (merge != Merge.CONCAT ? ", merge=" + merge.name().toLowerCase(Locale.ROOT) : "") + ")";
    }
}
