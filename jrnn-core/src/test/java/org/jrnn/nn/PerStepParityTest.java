package org.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.jrnn.model.LayerSpec;
import org.jrnn.model.ModelSpec;
import org.jrnn.testing.Close;
import org.jrnn.testing.Fixture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Per-step parity with PyTorch (fixtures from tools/reference/make_fixtures.py, float64):
 * Embedding → SimpleRNN/LSTM/GRU (uni, bi, stacked; masked, and one unmasked bi-LSTM) →
 * {@code nn.Linear} on every step, {@code F.cross_entropy(..., ignore_index=-100)} over the
 * steps, with padded steps and one real step ignored. Asserts the recurrent output, the logits
 * of every step, the loss, the counted steps and every parameter's gradient, at the float32
 * tolerance of {@link PyTorchParityTest}.
 */
class PerStepParityTest {
    static final double TOL = PyTorchParityTest.TOL;

    static Stream<String> fixtures() {
        return Fixture.perStepNames().stream();
    }

    /** The fixture's model through org.jrnn.model, its parameters checked against PyTorch's names, then loaded. */
    static Sequential model(Fixture f) {
        List<LayerSpec> layers = new ArrayList<>();
        String type = switch (f.cell()) {
            case "rnn" -> "SimpleRNN";
            case "lstm" -> "LSTM";
            case "gru" -> "GRU";
            default -> throw new IllegalArgumentException(f.cell());
        };
        for (int l = 0; l < f.layers(); l++) {
            LayerSpec r = LayerSpec.rnn(type, f.hidden(), true);
            layers.add(f.bidirectional() ? LayerSpec.bidirectional(r) : r);
        }
        layers.add(LayerSpec.timeDistributed(f.classes()));
        return PyTorchParityTest.loadWeights(new ModelSpec(f.embed(), f.mode().equals("packed"), layers).build(f.vocab(), f.classes(), 0), f);
    }

    /** Packed rows (N, W) as batch-first (B, T, W) in the original order, zeros where there is no row. */
    static float[] batchFirst(Matrix rows, int steps) {
        float[] out = new float[rows.layout.batch * steps * rows.cols];
        float[][][] seqs = Sequential.unpackSteps(rows);
        for (int b = 0; b < seqs.length; b++) {
            for (int t = 0; t < seqs[b].length; t++) System.arraycopy(seqs[b][t], 0, out, (b * steps + t) * rows.cols, rows.cols);
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void outputsLossAndEveryGradientMatchPyTorch(String name) {
        Fixture f = Fixture.load(name);
        Sequential m = model(f);
        int[] shape = f.tensorShape("logits"); // (B, T, K)
        m.zeroGrad();
        Sequential.StepPass s = m.forwardBackwardSteps(m.batch(f.tokens()), f.targets(), f.ignoreIndex(), null, Gradients.PARAMS);
        Close.assertClose(name + " logits", shape, f.logits(), batchFirst(s.pass().logits(), shape[1]), TOL);
        Matrix rnnOutput = (Matrix) s.pass().caches()[s.pass().caches().length - 1]; // TimeDistributed's (Dense's) input
        Close.assertClose(name + " rnn_output", f.tensorShape("rnn_output"), f.rnnOutput(), batchFirst(rnnOutput, shape[1]), TOL);
        assertThat(s.loss().count()).isEqualTo(f.countedSteps());
        Close.assertClose(name + " loss", f.loss(), s.loss().loss(), TOL);
        for (Param p : m.params()) {
            Close.assertClose(name + " grad " + p.name(), f.gradShape(p.name()), f.grad(p.name()), p.grad, TOL);
        }
    }

    /** Inference (with an inference plan) gives softmax of PyTorch's logits at every step jrnn has. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void stepProbabilitiesMatchPyTorch(String name) {
        Fixture f = Fixture.load(name);
        Sequential m = model(f);
        int[] shape = f.tensorShape("logits");
        int k = shape[2];
        float[][][] probs = m.predictStepProbabilities(f.tokens(), m.planInference());
        double[] logits = f.logits();
        List<Double> expected = new ArrayList<>();
        List<Float> actual = new ArrayList<>();
        for (int b = 0; b < probs.length; b++) {
            assertThat(probs[b]).hasNumberOfRows(f.mode().equals("packed") ? f.tokens()[b].length : shape[1]);
            for (int t = 0; t < probs[b].length; t++) {
                int o = (b * shape[1] + t) * k;
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int j = 0; j < k; j++) max = Math.max(max, logits[o + j]);
                for (int j = 0; j < k; j++) sum += Math.exp(logits[o + j] - max);
                for (int j = 0; j < k; j++) {
                    expected.add(Math.exp(logits[o + j] - max) / sum);
                    actual.add(probs[b][t][j]);
                }
            }
        }
        double[] e = expected.stream().mapToDouble(Double::doubleValue).toArray();
        float[] a = new float[actual.size()];
        for (int i = 0; i < a.length; i++) a[i] = actual.get(i);
        Close.assertClose(name + " probabilities", e, a, TOL);
    }
}
