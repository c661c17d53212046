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
 * logits, loss, the classifier's input features, every parameter's gradient, and the
 * parameters after two Adam steps in both PyTorch and Keras flavours. jrnn computes in
 * float32, so the tolerance is the float32 one of issue A: normwise relative error ≤ 1e-4.
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
            layers.add(f.bidirectional() ? LayerSpec.bidirectional(r) : r);
        }
        if (f.head().equals("mean")) layers.add(LayerSpec.of("GlobalAveragePooling1D"));
        if (f.head().equals("max")) layers.add(LayerSpec.of("GlobalMaxPooling1D"));
        Sequential m = new ModelSpec(f.embed(), f.mode().equals("packed"), layers).build(f.vocab(), f.classes(), 0);
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
