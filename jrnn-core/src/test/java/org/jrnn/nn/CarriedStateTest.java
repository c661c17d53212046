package org.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.jrnn.testing.GradientCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Recurrent layers started from a given state (truncated BPTT's carried state): zeros give
 * today's bits, a text cut into two windows with the state carried gives the whole text's
 * outputs and final states, the weights' gradients under a non-zero initial state pass finite
 * differences, and stepping token by token ends in the carried state.
 */
class CarriedStateTest {
    static final int IGNORE = PerStepCrossEntropy.IGNORE_INDEX;
    /** Lengths 9, 7, 5 (ids 1..12 of 13): cut at 5, the first two have a second window, the third has none. */
    static final int[][] TEXTS = {{3, 1, 4, 1, 5, 9, 2, 6, 5}, {2, 7, 1, 8, 2, 8, 1}, {9, 7, 9, 3, 2}};
    static final int CUT = 5;

    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of("SimpleRNN", (Supplier<List<Layer>>) () -> List.of(new SimpleRNN(5, true))),
                Arguments.of("LSTM", (Supplier<List<Layer>>) () -> List.of(new LSTM(5, true))),
                Arguments.of("GRU", (Supplier<List<Layer>>) () -> List.of(new GRU(5, true))),
                Arguments.of("LSTM, GRU stacked", (Supplier<List<Layer>>) () -> List.of(new LSTM(5, true), new GRU(4, true))),
                Arguments.of("GRU, Dropout, TimeDistributed, LSTM", (Supplier<List<Layer>>) () ->
                        List.of(new GRU(5, true), new Dropout(0.3), new TimeDistributed(new Dense(6)), new LSTM(4, true))));
    }

    static Sequential model(List<Layer> layers, boolean masked) {
        Sequential m = new Sequential(11).add(new Embedding(13, 6, masked));
        for (Layer l : layers) m.add(l);
        m.add(new TimeDistributed(new Dense(7)));
        for (Layer l : m.layers()) RecurrentGradientTest.randomizeBiases(l, 12);
        return m;
    }

    /** Random states for every recurrent layer of {@code m}, U(−1, 1), h and c. */
    static RecurrentStates randomStates(Sequential m, int batch, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int n = m.layers().size();
        float[][] h = new float[n][];
        float[][] c = new float[n][];
        for (int i = 0; i < n; i++) {
            if (m.layers().get(i) instanceof RecurrentLayer r) {
                h[i] = GradientCheck.randomArray(batch * r.units(), rng);
                if (r instanceof LSTM) c[i] = GradientCheck.randomArray(batch * r.units(), rng);
            }
        }
        return new RecurrentStates(batch, h, c);
    }

    static RecurrentStates zeroStates(Sequential m, int batch) {
        RecurrentStates s = randomStates(m, batch, 1);
        for (int i = 0; i < s.layers(); i++) {
            if (s.h(i) != null) Arrays.fill(s.h(i), 0f);
            if (s.c(i) != null) Arrays.fill(s.c(i), 0f);
        }
        return s;
    }

    static int[][] window(int[][] texts, int from, int to) {
        return Arrays.stream(texts).filter(t -> t.length > from).map(t -> Arrays.copyOfRange(t, from, Math.min(to, t.length))).toArray(int[][]::new);
    }

    /** Next-token-like targets: (t · 3 + id) mod 7, with one ignored step. */
    static int[][] targets(int[][] texts) {
        int[][] y = new int[texts.length][];
        for (int b = 0; b < texts.length; b++) {
            y[b] = new int[texts[b].length];
            for (int t = 0; t < y[b].length; t++) y[b][t] = (t * 3 + texts[b][t]) % 7;
        }
        y[0][1] = IGNORE;
        return y;
    }

    /** (a) Explicit zero states give the zero-state pass: the same logits and gradients, bit for bit. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void zeroInitialStatesAreTodaysPassBitForBit(String name, Supplier<List<Layer>> layers) {
        for (boolean masked : new boolean[] {true, false}) {
            Sequential m = model(layers.get(), masked);
            SequenceBatch batch = m.batch(TEXTS);
            int[][] y = targets(TEXTS);
            m.zeroGrad();
            Sequential.StepPass plain = m.forwardBackwardSteps(batch, y, IGNORE, new SplittableRandom(4), Gradients.PARAMS);
            float[] plainGrads = GradientCheck.concatGrads(m.params());
            m.zeroGrad();
            Sequential.StepPass zero = m.forwardBackwardSteps(batch, y, IGNORE, new SplittableRandom(4), Gradients.PARAMS, zeroStates(m, 3));
            assertThat(zero.pass().logits().data).as("%s masked=%s logits", name, masked).containsExactly(plain.pass().logits().data);
            assertThat(zero.loss().lossSum()).isEqualTo(plain.loss().lossSum());
            assertThat(GradientCheck.concatGrads(m.params())).as("%s masked=%s gradients", name, masked).containsExactly(plainGrads);
            m.zeroGrad();
            m.forwardBackwardSteps(batch, y, IGNORE, new SplittableRandom(4), Gradients.PARAMS, randomStates(m, 3, 9));
            assertThat(GradientCheck.concatGrads(m.params())).as("a non-zero state changes the gradients").isNotEqualTo(plainGrads);
        }
    }

    /**
     * (b) The texts cut at step 5, the second windows (of the two texts that have one) started
     * from the first windows' final states: the per-step outputs and every layer's final states
     * of the uncut texts, bit for bit (the windows run the same rows per step as the whole pass).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void twoCarriedWindowsAreTheWholeText(String name, Supplier<List<Layer>> layers) {
        for (boolean masked : new boolean[] {true, false}) {
            int[][] texts = masked ? TEXTS : new int[][] {TEXTS[0], Arrays.copyOf(TEXTS[1], 9)};
            Sequential m = model(layers.get(), masked);
            Sequential.Pass whole = m.forward(m.batch(texts), false, null);
            float[][][] wholeOut = Sequential.unpackSteps(whole.logits());
            RecurrentStates wholeFinal = m.finalStates(whole);

            Sequential.Pass first = m.forward(m.batch(window(texts, 0, CUT)), false, null, null);
            RecurrentStates carried = m.finalStates(first);
            int[][] second = window(texts, CUT, Integer.MAX_VALUE);
            int[] have = {0, 1}; // the texts longer than CUT, in order
            Sequential.Pass next = m.forward(m.batch(second), false, null, carried.select(have));
            float[][][] out1 = Sequential.unpackSteps(first.logits());
            float[][][] out2 = Sequential.unpackSteps(next.logits());
            RecurrentStates final2 = m.finalStates(next);
            for (int b = 0; b < texts.length; b++) {
                for (int t = 0; t < texts[b].length; t++) {
                    float[] got = t < CUT ? out1[b][t] : out2[b][t - CUT];
                    assertThat(got).as("%s masked=%s text %d step %d", name, masked, b, t).containsExactly(wholeOut[b][t]);
                }
            }
            for (int l = 0; l < m.layers().size(); l++) {
                if (wholeFinal.h(l) == null) {
                    assertThat(final2.h(l)).isNull();
                    continue;
                }
                int h = wholeFinal.h(l).length / texts.length;
                for (int b = 0; b < texts.length; b++) {
                    RecurrentStates src = b < 2 ? final2 : carried;
                    int row = b < 2 ? b : 2;
                    assertThat(Arrays.copyOfRange(src.h(l), row * h, row * h + h)).as("%s layer %d text %d h", name, l, b)
                            .containsExactly(Arrays.copyOfRange(wholeFinal.h(l), b * h, b * h + h));
                    if (wholeFinal.c(l) != null) {
                        assertThat(Arrays.copyOfRange(src.c(l), row * h, row * h + h)).as("%s layer %d text %d c", name, l, b)
                                .containsExactly(Arrays.copyOfRange(wholeFinal.c(l), b * h, b * h + h));
                    }
                }
            }
            // Carrying really reads the state: the second windows from zeros give other outputs.
            float[][][] fresh = Sequential.unpackSteps(m.forward(m.batch(second), false, null).logits());
            assertThat(fresh[0][0]).isNotEqualTo(out2[0][0]);
        }
    }

    /**
     * (c) Finite differences on every cell alone, under f = Σ y ⊙ R and a random non-zero h0
     * (and c0): every weight's gradient, dX, in every output mode, masked and uniform lengths.
     * A backward that read zeros instead of h0 at step 0 fails dW_hh here.
     */
    @ParameterizedTest(name = "{0} returnSequences={1} lengths={2}")
    @MethodSource("layerCases")
    void weightGradientsFromANonZeroInitialState(String cell, boolean seqs, int[] lengths) {
        RecurrentLayer layer = RecurrentGradientTest.make(cell, 5, seqs, false);
        layer.build(4, new SplittableRandom(1));
        RecurrentGradientTest.randomizeBiases(layer, 2);
        Matrix x = GradientCheck.randomSequence(lengths, 4, 3);
        float[] h0 = GradientCheck.randomArray(lengths.length * 5, new SplittableRandom(5));
        float[] c0 = cell.equals("lstm") ? GradientCheck.randomArray(lengths.length * 5, new SplittableRandom(6)) : null;
        Layer.Forward fw = layer.forward(x, false, null, h0, c0);
        float[] r = GradientCheck.randomArray(fw.y().data.length, new SplittableRandom(7));
        DoubleSupplier f = () -> {
            Matrix y = layer.forward(x, false, null, h0, c0).y();
            double s = 0;
            for (int i = 0; i < y.data.length; i++) s += (double) y.data[i] * r[i];
            return s;
        };
        for (Param p : layer.params()) p.zeroGrad();
        Matrix dx = layer.backward(fw.cache(), new Matrix(r.clone(), fw.y().rows, fw.y().cols, fw.y().layout), Gradients.PARAMS);
        GradientCheck.check(layer + " dX from h0", x.data, dx.data, f);
        for (Param p : layer.params()) GradientCheck.check(layer + " " + p.name() + " from h0", p.data, p.grad.clone(), f);
        assertThat(f.getAsDouble()).as("h0 matters").isNotEqualTo(sum(layer.forward(x, false, null).y(), r));
    }

    static Stream<Arguments> layerCases() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (String cell : new String[] {"rnn", "lstm", "gru"}) {
            for (boolean seqs : new boolean[] {false, true}) {
                for (int[] lengths : new int[][] {RecurrentGradientTest.MASKED, RecurrentGradientTest.UNIFORM}) b.add(Arguments.of(cell, seqs, lengths));
            }
        }
        return b.build();
    }

    private static double sum(Matrix y, float[] r) {
        double s = 0;
        for (int i = 0; i < y.data.length; i++) s += (double) y.data[i] * r[i];
        return s;
    }

    /** (c) The whole stacked model under the per-step loss from non-zero states of both layers: every parameter. */
    @Test
    void stackedModelGradientsFromNonZeroStates() {
        Sequential m = model(List.of(new LSTM(3, true), new GRU(3, true)), true);
        SequenceBatch batch = m.batch(TEXTS);
        int[][] y = targets(TEXTS);
        RecurrentStates init = randomStates(m, 3, 8);
        int[] packed = batch.packTargets(y, IGNORE);
        DoubleSupplier loss = () -> PerStepCrossEntropy.compute(m.forward(batch, false, null, init).logits(), packed, IGNORE).loss();
        m.zeroGrad();
        m.forwardBackwardSteps(batch, y, IGNORE, null, Gradients.PARAMS, init);
        // The whole-model step and tolerance of PerStepGradientTest (worse conditioned than one layer).
        for (Param q : m.params()) GradientCheck.check("stacked from h0 " + q.name(), q.data, q.grad.clone(), loss, 2e-2, 1e-2);
    }

    /** (d) Stepping the whole texts token by token ends in the state the carried training windows end in. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void steppingEndsInTheCarriedState(String name, Supplier<List<Layer>> layers) {
        Sequential m = model(layers.get(), true);
        int[][] equal = {TEXTS[0], {9, 7, 9, 3, 2, 3, 8, 4, 6}};
        RecurrentStates s1 = m.finalStates(m.forward(m.batch(window(equal, 0, CUT)), false, null, null));
        RecurrentStates s2 = m.finalStates(m.forward(m.batch(window(equal, CUT, 99)), false, null, s1));
        Sequential.StepState st = m.startSteps(2);
        for (int t = 0; t < equal[0].length; t++) m.step(st, new int[] {equal[0][t], equal[1][t]});
        for (int l = 0; l < m.layers().size(); l++) {
            if (s2.h(l) == null) continue;
            assertThat(st.h(l)).as("%s layer %d h", name, l).containsExactly(s2.h(l));
            if (s2.c(l) != null) assertThat(st.c(l)).as("%s layer %d c", name, l).containsExactly(s2.c(l));
        }
    }

    @Test
    void layersThatReadFromTheEndCannotCarry() {
        Sequential bi = new Sequential(1).add(new Embedding(13, 4, true)).add(new LSTM(3, true)).add(new Bidirectional(new GRU(3, true)))
                .add(new TimeDistributed(new Dense(5)));
        assertThatThrownBy(bi::checkCarry).isInstanceOf(IllegalArgumentException.class).hasMessage("layer 2 is Bidirectional: Bidirectional(GRU(3, returnSequences=true))");
        Sequential.Pass p = bi.forward(bi.batch(TEXTS), true, null);
        assertThatThrownBy(() -> bi.finalStates(p)).hasMessageContaining("layer 2 is Bidirectional");
        Sequential back = new Sequential(1).add(new Embedding(13, 4, true)).add(new GRU(3, true, true)).add(new TimeDistributed(new Dense(5)));
        assertThatThrownBy(() -> back.forward(back.batch(TEXTS), true, null, randomStates(back, 3, 1))).hasMessageContaining("layer 1 reads backwards");
        GRU g = new GRU(3, true, true);
        g.build(4, new SplittableRandom(1));
        assertThatThrownBy(() -> g.forward(GradientCheck.randomSequence(new int[] {2}, 4, 1), true, null, new float[3], null))
                .hasMessageContaining("cannot start from a carried state");

        Sequential m = model(List.of(new LSTM(5, true)), true);
        assertThatThrownBy(() -> m.forward(m.batch(TEXTS), true, null, randomStates(m, 2, 1))).hasMessageContaining("initial states for 2 sequences, the batch has 3");
        assertThatThrownBy(() -> m.finalStates(m.forward(m.batch(TEXTS), m.planInference()))).hasMessageContaining("need a training pass");
        LSTM lstm = new LSTM(3, true);
        lstm.build(4, new SplittableRandom(1));
        assertThatThrownBy(() -> lstm.forward(GradientCheck.randomSequence(new int[] {2, 1}, 4, 1), true, null, new float[5], null))
                .hasMessageContaining("needs 6 values (B, H), received 5");
    }

    @Test
    void statesSelectSliceAndConcatenateRows() {
        RecurrentStates s = new RecurrentStates(3, new float[][] {null, {1, 2, 3, 4, 5, 6}}, new float[][] {null, {7, 8, 9, 10, 11, 12}});
        RecurrentStates picked = s.select(new int[] {2, 0});
        assertThat(picked.batch()).isEqualTo(2);
        assertThat(picked.h(0)).isNull();
        assertThat(picked.h(1)).containsExactly(5, 6, 1, 2);
        assertThat(picked.c(1)).containsExactly(11, 12, 7, 8);
        RecurrentStates back = RecurrentStates.concat(s.rows(0, 1), s.rows(1, 3));
        assertThat(back.h(1)).containsExactly(s.h(1));
        assertThat(back.c(1)).containsExactly(s.c(1));
        assertThatThrownBy(() -> s.select(new int[] {3})).hasMessageContaining("row 3 outside [0, 3)");
    }
}
