package org.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.jrnn.testing.GradientCheck;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Finite-difference gradient checks of every recurrent cell in every mode: last state and
 * full sequences, forwards and backwards, uniform (unmasked) and variable-length (masked)
 * batches, and Bidirectional in each merge mode. Tiny shapes: B=3, I=4, H=5.
 */
class RecurrentGradientTest {
    static final int[] MASKED = {3, 1, 4};      // unsorted on purpose
    static final int[] UNIFORM = {3, 3, 3};

    static Stream<Arguments> cases() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (String cell : new String[] {"rnn", "lstm", "gru"}) {
            for (boolean seqs : new boolean[] {false, true}) {
                for (boolean back : new boolean[] {false, true}) {
                    for (int[] lengths : new int[][] {MASKED, UNIFORM}) {
                        b.add(Arguments.of(cell, seqs, back, lengths));
                    }
                }
            }
        }
        return b.build();
    }

    static RecurrentLayer make(String cell, int h, boolean seqs, boolean back) {
        return switch (cell) {
            case "rnn" -> new SimpleRNN(h, seqs, back);
            case "lstm" -> new LSTM(h, seqs, back);
            case "gru" -> new GRU(h, seqs, back);
            default -> throw new IllegalArgumentException(cell);
        };
    }

    static void randomizeBiases(Layer l, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (Param p : l.params()) {
            if (p.name().contains("bias")) {
                for (int i = 0; i < p.size(); i++) p.data[i] = (float) (rng.nextDouble() - 0.5);
            }
        }
    }

    @ParameterizedTest(name = "{0} returnSequences={1} goBackwards={2} lengths={3}")
    @MethodSource("cases")
    void recurrentLayerGradients(String cell, boolean seqs, boolean back, int[] lengths) {
        RecurrentLayer layer = make(cell, 5, seqs, back);
        layer.build(4, new SplittableRandom(1));
        randomizeBiases(layer, 2);
        GradientCheck.checkLayer(layer, GradientCheck.randomSequence(lengths, 4, 3), 4);
    }

    @ParameterizedTest(name = "{0} merge={1} returnSequences={2}")
    @MethodSource("bidirectionalCases")
    void bidirectionalGradients(String cell, Bidirectional.Merge merge, boolean seqs) {
        Bidirectional layer = new Bidirectional(make(cell, 5, seqs, false), merge);
        layer.build(4, new SplittableRandom(5));
        randomizeBiases(layer, 6);
        GradientCheck.checkLayer(layer, GradientCheck.randomSequence(MASKED, 4, 7), 8);
    }

    static Stream<Arguments> bidirectionalCases() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (String cell : new String[] {"rnn", "lstm", "gru"}) {
            for (Bidirectional.Merge m : Bidirectional.Merge.values()) {
                for (boolean seqs : new boolean[] {false, true}) b.add(Arguments.of(cell, m, seqs));
            }
        }
        return b.build();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("poolingCases")
    void poolingGradients(String name, IntFunction<Layer> make) {
        Layer pool = make.apply(0);
        pool.build(4, new SplittableRandom(1));
        GradientCheck.checkLayer(pool, GradientCheck.randomSequence(MASKED, 4, 9), 10);
    }

    static Stream<Arguments> poolingCases() {
        return Stream.of(
                Arguments.of("mean", (IntFunction<Layer>) i -> new GlobalAveragePooling1D()),
                Arguments.of("max", (IntFunction<Layer>) i -> new GlobalMaxPooling1D()),
                Arguments.of("dense on sequences", (IntFunction<Layer>) i -> new Dense(3)));
    }

    @org.junit.jupiter.api.Test
    void recurrentLayerRejectsNonSequenceInput() {
        SimpleRNN rnn = new SimpleRNN(5);
        rnn.build(4, new SplittableRandom(1));
        Matrix flat = new Matrix(new float[8], 2, 4, null);
        assertThatThrownBy(() -> rnn.forward(flat, false, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expects a sequence input");
        Matrix wrongWidth = GradientCheck.randomSequence(MASKED, 3, 1);
        assertThatThrownBy(() -> rnn.forward(wrongWidth, false, null))
                .hasMessageContaining("expects 4 input features, received: 3");
    }
}
