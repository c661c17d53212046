package org.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Stepping streams token by token (generation) against the full forward pass over the same
 * sequences: bit for bit when the sequences have equal lengths, for unidirectional and stacked
 * per-step models of every cell; bidirectional and backward-reading models refuse to step.
 */
class StepStateTest {
    /** Three sequences of 6 tokens (ids 1..12 of a vocabulary of 13). */
    static final int[][] EQUAL = {{3, 1, 4, 1, 5, 9}, {2, 6, 5, 3, 5, 8}, {9, 7, 9, 3, 2, 3}};

    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of("SimpleRNN", (Supplier<List<Layer>>) () -> List.of(new SimpleRNN(5, true))),
                Arguments.of("LSTM", (Supplier<List<Layer>>) () -> List.of(new LSTM(5, true))),
                Arguments.of("GRU", (Supplier<List<Layer>>) () -> List.of(new GRU(5, true))),
                Arguments.of("LSTM, GRU stacked", (Supplier<List<Layer>>) () -> List.of(new LSTM(5, true), new GRU(4, true))),
                Arguments.of("GRU, Dropout, TimeDistributed, LSTM", (Supplier<List<Layer>>) () ->
                        List.of(new GRU(5, true), new Dropout(0.3), new TimeDistributed(new Dense(6)), new LSTM(4, true))),
                Arguments.of("LSTM, TimeDistributed relu, tanh, sigmoid", (Supplier<List<Layer>>) () ->
                        List.of(new LSTM(5, true), new TimeDistributed(new Dense(6, Dense.Activation.RELU)),
                                new TimeDistributed(new Dense(5, Dense.Activation.TANH)), new TimeDistributed(new Dense(4, Dense.Activation.SIGMOID)))));
    }

    static Sequential model(List<Layer> layers, boolean masked) {
        Sequential m = new Sequential(11).add(new Embedding(13, 6, masked));
        for (Layer l : layers) m.add(l);
        m.add(new TimeDistributed(new Dense(7)));
        for (Layer l : m.layers()) RecurrentGradientTest.randomizeBiases(l, 12);
        return m;
    }

    /** Steps every stream through its tokens: logits (B, T, K), stream b at [b]. */
    static float[][][] stepped(Sequential m, int[][] tokens) {
        int b = tokens.length;
        Sequential.StepState s = m.startSteps(b);
        float[][][] out = new float[b][tokens[0].length][];
        for (int t = 0; t < tokens[0].length; t++) {
            int[] ids = new int[b];
            for (int i = 0; i < b; i++) ids[i] = tokens[i][t];
            Matrix logits = m.step(s, ids);
            assertThat(logits.rows).isEqualTo(b);
            for (int i = 0; i < b; i++) out[i][t] = java.util.Arrays.copyOfRange(logits.data, i * logits.cols, (i + 1) * logits.cols);
        }
        assertThat(s.steps()).isEqualTo(tokens[0].length);
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void steppingGivesTheFullForwardsOutputsBitForBit(String name, Supplier<List<Layer>> layers) {
        for (boolean masked : new boolean[] {true, false}) {
            Sequential m = model(layers.get(), masked);
            float[][][] full = Sequential.unpackSteps(m.forward(m.batch(EQUAL), false, null).logits());
            float[][][] steps = stepped(m, EQUAL);
            for (int b = 0; b < EQUAL.length; b++) {
                for (int t = 0; t < EQUAL[b].length; t++) {
                    assertThat(steps[b][t]).as("%s masked=%s stream %d step %d", name, masked, b, t).containsExactly(full[b][t]);
                }
            }
            // One stream alone: its own forward, bit for bit (the one-row products run on two rows).
            float[][][] alone = Sequential.unpackSteps(m.forward(m.batch(new int[][] {EQUAL[1]}), false, null).logits());
            float[][][] oneStream = stepped(m, new int[][] {EQUAL[1]});
            for (int t = 0; t < EQUAL[1].length; t++) assertThat(oneStream[0][t]).as("%s one stream, step %d", name, t).containsExactly(alone[0][t]);
        }
    }

    /**
     * Widths past a vector (E 24, H 40, K 37): the products take their vector paths, the table
     * lookup replaces layer 0's input projection, and one stream (a one-row product, which
     * matmulABt would round its scalar way) still equals its own forward bit for bit; with and
     * without the projection table (a stacked second layer steps through its prepared W_ih).
     */
    @Test
    void wideModelsStepBitForBit() {
        for (boolean stacked : new boolean[] {false, true}) {
            Sequential m = new Sequential(5).add(new Embedding(13, 24, true)).add(new LSTM(40, true));
            if (stacked) m.add(new GRU(36, true));
            m.add(new TimeDistributed(new Dense(37)));
            for (Layer l : m.layers()) RecurrentGradientTest.randomizeBiases(l, 12);
            float[][][] full = Sequential.unpackSteps(m.forward(m.batch(EQUAL), false, null).logits());
            float[][][] steps = stepped(m, EQUAL);
            for (int b = 0; b < EQUAL.length; b++) {
                for (int t = 0; t < EQUAL[b].length; t++) assertThat(steps[b][t]).as("stacked=%s stream %d step %d", stacked, b, t).containsExactly(full[b][t]);
            }
            float[][][] alone = Sequential.unpackSteps(m.forward(m.batch(new int[][] {EQUAL[2]}), false, null).logits());
            float[][][] one = stepped(m, new int[][] {EQUAL[2]});
            for (int t = 0; t < EQUAL[2].length; t++) assertThat(one[0][t]).as("stacked=%s one stream, step %d", stacked, t).containsExactly(alone[0][t]);
        }
    }

    /**
     * Sequences of different lengths in one masked batch: the batch runs fewer rows at its later
     * steps, so its rounding may differ in the last bits; each sequence stepped alone matches
     * its rows of the batch to float rounding.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void steppingEachSequenceAloneMatchesAMaskedBatch(String name, Supplier<List<Layer>> layers) {
        Sequential m = model(layers.get(), true);
        int[][] ragged = {{3, 1, 4}, {2, 6, 5, 3, 5, 8}, {9}, {7, 9, 3, 2}};
        float[][][] full = Sequential.unpackSteps(m.forward(m.batch(ragged), false, null).logits());
        for (int b = 0; b < ragged.length; b++) {
            float[][] s = stepped(m, new int[][] {ragged[b]})[0];
            assertThat(full[b]).hasNumberOfRows(s.length);
            for (int t = 0; t < s.length; t++) {
                for (int j = 0; j < s[t].length; j++) assertThat(s[t][j]).isCloseTo(full[b][t][j], within(1e-5f));
            }
        }
    }

    @Test
    void modelsThatReadFromTheEndCannotStep() {
        Sequential bi = new Sequential(1).add(new Embedding(13, 4, true)).add(new Bidirectional(new LSTM(3, true)))
                .add(new TimeDistributed(new Dense(5)));
        assertThatThrownBy(() -> bi.startSteps(2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Bidirectional(LSTM(3, returnSequences=true)) reads each sequence from both ends");
        Sequential back = new Sequential(1).add(new Embedding(13, 4, true)).add(new GRU(3, true, true))
                .add(new TimeDistributed(new Dense(5)));
        assertThatThrownBy(() -> back.startSteps(2)).hasMessageContaining("reads each sequence from its end");
        Sequential classifier = new Sequential(1).add(new Embedding(13, 4, true)).add(new GRU(3)).add(new Dense(5));
        assertThatThrownBy(() -> classifier.startSteps(2)).hasMessageContaining("outputs one vector per sequence");
        Sequential m = model(List.of(new LSTM(3, true)), true);
        Sequential.StepState s = m.startSteps(2);
        assertThatThrownBy(() -> m.step(s, new int[] {1})).hasMessageContaining("1 tokens for 2 streams");
        assertThatThrownBy(() -> m.step(s, new int[] {1, 13})).hasMessageContaining("token id 13 outside the vocabulary");
        assertThatThrownBy(() -> m.startSteps(0)).hasMessageContaining("streams must be >= 1");
    }
}
