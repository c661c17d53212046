package org.jrnn.nn;

import java.util.SplittableRandom;
import org.jrnn.testing.Close;
import org.jrnn.testing.Fixture;
import org.junit.jupiter.api.Test;

/**
 * Dense + softmax-CE alone against PyTorch (fixtures dense_ce and softmax_ce_extreme), and hidden
 * Dense activations in a model (lstm_dense_act: LSTM, Linear, ReLU, Linear, Tanh, Linear head).
 */
class DenseParityTest {

    @Test
    void denseAndCrossEntropyMatchPyTorch() {
        Fixture f = Fixture.load("dense_ce");
        int[] xs = f.tensorShape("x");
        Dense d = new Dense(f.config().get("classes").asInt());
        d.build(xs[1], new SplittableRandom(0));
        for (Param p : d.params()) System.arraycopy(Fixture.toFloat(f.param("fc." + p.name())), 0, p.data, 0, p.size());
        Matrix x = new Matrix(Fixture.toFloat(f.tensor("x")), xs[0], xs[1], null);
        Layer.Forward fw = d.forward(x, true, null);
        Close.assertClose("logits", f.logits(), fw.y().data, 1e-5);
        SoftmaxCrossEntropy.Result r = SoftmaxCrossEntropy.compute(fw.y(), f.labels());
        Close.assertClose("loss", new double[] {f.loss()}, new double[] {r.loss()}, 1e-5);
        Matrix dx = d.backward(fw.cache(), new Matrix(r.dLogits(), xs[0], d.units(), null), Gradients.PARAMS);
        Close.assertClose("dx", f.tensor("dx"), dx.data, 1e-5);
        for (Param p : d.params()) Close.assertClose("grad " + p.name(), f.grad("fc." + p.name()), p.grad, 1e-5);
    }

    @Test
    void hiddenDenseActivationsMatchPyTorch() {
        Fixture f = Fixture.load("lstm_dense_act");
        com.fasterxml.jackson.databind.JsonNode dense = f.config().get("dense");
        java.util.List<org.jrnn.model.LayerSpec> layers = new java.util.ArrayList<>();
        layers.add(org.jrnn.model.LayerSpec.rnn("LSTM", f.hidden(), false));
        for (com.fasterxml.jackson.databind.JsonNode d : dense) {
            layers.add(org.jrnn.model.LayerSpec.dense(d.get("units").asInt(), d.get("activation").asText()));
        }
        Sequential m = new org.jrnn.model.ModelSpec(f.embed(), true, layers).build(f.vocab(), f.classes(), 0);
        for (java.util.Map.Entry<String, Param> e : m.stateDict().entrySet()) {
            float[] w = Fixture.toFloat(f.param(e.getKey()));
            System.arraycopy(w, 0, e.getValue().data, 0, e.getValue().size());
        }
        SequenceBatch batch = m.batch(f.tokens());
        Sequential.Pass p = m.forward(batch, true, null);
        int k = f.classes();
        float[] logits = new float[p.logits().data.length]; // (B, K) back in the fixture's order
        int[] map = batch.layout.sortedToOriginal;
        for (int s = 0; s < map.length; s++) System.arraycopy(p.logits().data, s * k, logits, map[s] * k, k);
        Close.assertClose("logits", f.logits(), logits, 1e-5);
        SoftmaxCrossEntropy.Result r = SoftmaxCrossEntropy.compute(p.logits(), batch.sortLabels(f.labels()));
        Close.assertClose("loss", new double[] {f.loss()}, new double[] {r.loss()}, 1e-5);
        m.zeroGrad();
        m.backward(p, new Matrix(r.dLogits(), p.logits().rows, k, null), Gradients.PARAMS);
        for (java.util.Map.Entry<String, Param> e : m.stateDict().entrySet()) {
            Close.assertClose("grad " + e.getKey(), f.grad(e.getKey()), e.getValue().grad, 1e-5);
        }
    }

    @Test
    void crossEntropyWithExtremeLogitsMatchesPyTorch() {
        Fixture f = Fixture.load("softmax_ce_extreme");
        int[] s = f.tensorShape("logits");
        Matrix logits = new Matrix(Fixture.toFloat(f.logits()), s[0], s[1], null);
        SoftmaxCrossEntropy.Result r = SoftmaxCrossEntropy.compute(logits, f.labels());
        Close.assertClose("loss", new double[] {f.loss()}, new double[] {r.loss()}, 1e-5);
        Close.assertClose("dlogits", f.tensor("dlogits"), r.dLogits(), 1e-5);
        Close.assertClose("probs", f.tensor("probs"), SoftmaxCrossEntropy.softmax(logits.data, s[0], s[1]), 1e-5);
    }
}
