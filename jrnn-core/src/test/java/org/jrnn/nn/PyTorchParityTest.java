package org.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jrnn.model.LayerSpec;
import org.jrnn.model.ModelSpec;
import org.jrnn.optim.Adam;
import org.jrnn.testing.Close;
import org.jrnn.testing.Fixture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Whole-model parity with PyTorch (fixtures from tools/reference/make_fixtures.py, float64):
 * logits, loss, the classifier's input features, the last recurrent layer's output sequence
 * (where the model keeps it), every parameter's gradient, and the parameters after two Adam
 * steps in both PyTorch and Keras flavours; for every cell, Bidirectional in each merge mode
 * and a standalone goBackwards layer. jrnn computes in float32, so the tolerance is the float32
 * one of issue A: normwise relative error ≤ 1e-4.
 */
class PyTorchParityTest {
    static final double TOL = 1e-4;

    static Stream<String> fixtures() {
        return Fixture.rnnNames().stream();
    }

    /**
     * Builds the fixture's architecture through org.jrnn.model (so the parameter names and their
     * order are checked against PyTorch's state_dict) and loads its weights.
     */
    static Sequential model(Fixture f) {
        return loadWeights(f.goBackwards() ? backwardsModel(f) : specModel(f), f);
    }

    /** Copies the fixture's weights into {@code m}, checking names, their order and shapes against PyTorch's state_dict. */
    static Sequential loadWeights(Sequential m, Fixture f) {
        Map<String, Param> state = m.stateDict();
        assertThat(state.keySet()).containsExactlyElementsOf(f.paramOrder());
        for (String name : f.paramOrder()) {
            Param p = state.get(name);
            assertThat(p.shape()).as(name).containsExactly(f.shape(name));
            float[] v = Fixture.toFloat(f.param(name));
            System.arraycopy(v, 0, p.data, 0, v.length);
        }
        return m;
    }

    static Sequential specModel(Fixture f) {
        List<LayerSpec> layers = new ArrayList<>();
        for (int l = 0; l < f.layers(); l++) {
            boolean seqs = l < f.layers() - 1 || !f.head().equals("last");
            String type = switch (f.cell()) {
                case "rnn" -> "SimpleRNN";
                case "lstm" -> "LSTM";
                case "gru" -> "GRU";
                default -> throw new IllegalArgumentException(f.cell());
            };
            LayerSpec r = LayerSpec.rnn(type, f.hidden(), seqs);
            layers.add(f.bidirectional() ? LayerSpec.bidirectional(r, f.mergeMode()) : r);
        }
        if (f.head().equals("mean")) layers.add(LayerSpec.of("GlobalAveragePooling1D"));
        if (f.head().equals("max")) layers.add(LayerSpec.of("GlobalMaxPooling1D"));
        return new ModelSpec(f.embed(), f.mode().equals("packed"), layers).build(f.vocab(), f.classes(), 0);
    }

    /**
     * goBackwards has no field in the architecture JSON, so this model is built from nn layers:
     * Embedding, one recurrent layer reading backwards, the head, Dense. Its parameters are named
     * by position ({@code 1.weight_ih_reverse}); they get the fixture's names in the same order.
     */
    static Sequential backwardsModel(Fixture f) {
        assertThat(f.layers()).as("one backwards layer").isEqualTo(1);
        boolean seqs = !f.head().equals("last");
        RecurrentLayer rnn = switch (f.cell()) {
            case "rnn" -> new SimpleRNN(f.hidden(), seqs, true);
            case "lstm" -> new LSTM(f.hidden(), seqs, true);
            case "gru" -> new GRU(f.hidden(), seqs, true);
            default -> throw new IllegalArgumentException(f.cell());
        };
        Sequential m = new Sequential(0).add(new Embedding(f.vocab(), f.embed(), f.mode().equals("packed"))).add(rnn);
        if (f.head().equals("mean")) m.add(new GlobalAveragePooling1D());
        if (f.head().equals("max")) m.add(new GlobalMaxPooling1D());
        m.add(new Dense(f.classes()));
        List<Param> ps = m.params();
        List<String> names = f.paramOrder();
        assertThat(ps).hasSameSizeAs(names);
        for (int i = 0; i < ps.size(); i++) {
            String local = ps.get(i).name().substring(ps.get(i).name().indexOf('.') + 1); // weight_ih_reverse
            String torch = names.get(i).substring(names.get(i).indexOf('.') + 1).replace("_l0", "");
            assertThat(local).as(names.get(i)).isIn(torch, torch + "_reverse");
            ps.get(i).rename(names.get(i));
        }
        return m;
    }

    /** Logits (B, K) back in the fixture's (original) order. */
    static float[] unsort(Matrix sorted, PackedLayout layout) {
        float[] out = new float[sorted.data.length];
        int k = sorted.cols;
        for (int s = 0; s < sorted.rows; s++) {
            System.arraycopy(sorted.data, s * k, out, layout.sortedToOriginal[s] * k, k);
        }
        return out;
    }

    record Step(SoftmaxCrossEntropy.Result loss, Sequential.Pass pass) {}

    static Step lossAndGrads(Sequential m, Fixture f) {
        SequenceBatch batch = m.batch(f.tokens());
        Sequential.Pass pass = m.forward(batch, true, null);
        SoftmaxCrossEntropy.Result r = SoftmaxCrossEntropy.compute(pass.logits(), batch.sortLabels(f.labels()));
        m.zeroGrad();
        m.backward(pass, new Matrix(r.dLogits(), pass.logits().rows, pass.logits().cols, null), Gradients.PARAMS);
        return new Step(r, pass);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void forwardLossAndGradientsMatchPyTorch(String name) {
        Fixture f = Fixture.load(name);
        Sequential m = model(f);
        Step s = lossAndGrads(m, f);
        PackedLayout lay = s.pass().batch().layout;
        Close.assertClose(name + " logits", f.logits(), unsort(s.pass().logits(), lay), TOL);
        Close.assertClose(name + " loss", new double[] {f.loss()}, new double[] {s.loss().loss()}, TOL);
        Matrix features = (Matrix) s.pass().caches()[s.pass().caches().length - 1]; // Dense's input
        Close.assertClose(name + " features", f.tensor("features"), unsort(features, lay), TOL);
        for (Param p : m.params()) {
            Close.assertClose(name + " grad " + p.name(), f.grad(p.name()), p.grad, TOL);
        }
    }

    static Stream<String> sequenceFixtures() {
        return fixtures().filter(n -> !Fixture.load(n).head().equals("last"));
    }

    /**
     * Where the last recurrent layer returns sequences (pooling heads): its output, step by step,
     * against the fixture's batch-first (B, T, H·dirs) rnn_output, zeros at padded steps. This pins
     * the order of a goBackwards layer's outputs, which pooling would not see.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("sequenceFixtures")
    void recurrentOutputSequenceMatchesPyTorch(String name) {
        Fixture f = Fixture.load(name);
        Sequential m = model(f);
        SequenceBatch batch = m.batch(f.tokens());
        Matrix x = m.embedding().forward(batch.ids, batch.layout);
        for (Layer l : m.layers()) {
            if (!l.returnsSequences(true)) break; // the pooling layer
            x = l.forward(x, false, null).y();
        }
        int[] shape = f.rnnOutputShape(); // (B, T, W)
        assertThat(x.cols).isEqualTo(shape[2]);
        PackedLayout lay = x.layout;
        double[] out = new double[shape[0] * shape[1] * shape[2]];
        for (int t = 0; t < lay.steps; t++) {
            for (int b = 0; b < lay.batchSizes[t]; b++) {
                int dst = (lay.sortedToOriginal[b] * shape[1] + t) * shape[2];
                for (int j = 0; j < shape[2]; j++) out[dst + j] = x.data[lay.row(t, b) * shape[2] + j];
            }
        }
        Close.assertClose(name + " rnn_output", f.rnnOutput(), out, TOL);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void twoAdamStepsMatchPyTorchAndKeras(String name) {
        Fixture f = Fixture.load(name);
        for (boolean keras : new boolean[] {false, true}) {
            Sequential m = model(f);
            Adam adam = keras ? Adam.keras(f.adamLr()) : Adam.pytorch(f.adamLr());
            List<Param> ps = m.params();
            for (int step = 0; step < 2; step++) {
                lossAndGrads(m, f);
                adam.step(ps);
            }
            for (Param p : ps) {
                double[] expected = keras ? f.adamKerasAfter(p.name()) : f.adamTorchAfter(p.name());
                Close.assertClose(name + (keras ? " keras" : " torch") + " adam " + p.name(), expected, p.data, TOL);
            }
        }
    }
}
