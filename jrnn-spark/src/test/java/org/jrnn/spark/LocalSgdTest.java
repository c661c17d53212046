package org.jrnn.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class LocalSgdTest {
    static LocalSgd.State state(float w, float m, float v, long it) {
        return new LocalSgd.State(new float[][] {{w, 2 * w}}, new float[][] {{m, m}}, new float[][] {{v, v}}, it);
    }

    static LocalSgd.Result result(int shard, LocalSgd.State s, int steps) {
        return new LocalSgd.Result(shard, s, steps, 0, 0, 0, 0, 0);
    }

    @Test
    void meanAndSumCombineWeightsMomentsAreAveraged() {
        LocalSgd.State start = state(1, 0, 0, 10);
        List<LocalSgd.Result> rs = List.of(result(0, state(2, 1, 4, 14), 4), result(1, state(4, 3, 8, 14), 4));
        LocalSgd.State mean = LocalSgd.combine(start, rs, LocalSgd.Combine.MEAN);
        assertThat(mean.weights()[0]).containsExactly(3f, 6f);
        assertThat(mean.m()[0]).containsExactly(2f, 2f);
        assertThat(mean.v()[0]).containsExactly(6f, 6f);
        assertThat(mean.iterations()).isEqualTo(14);
        LocalSgd.State sum = LocalSgd.combine(start, rs, LocalSgd.Combine.SUM);
        assertThat(sum.weights()[0]).containsExactly(1f + 1f + 3f, 2f + 2f + 6f);
        assertThat(sum.m()[0]).containsExactly(2f, 2f);
    }

    @Test
    void sqrtMovesTheMeanChangeByTheRootOfTheShardCount() {
        LocalSgd.State start = state(1, 0, 0, 10);
        List<LocalSgd.Result> rs = List.of(result(0, state(2, 1, 4, 14), 4), result(1, state(4, 3, 8, 14), 4),
                result(2, state(1, 1, 1, 14), 4), result(3, state(1, 1, 1, 14), 4));
        LocalSgd.State sqrt = LocalSgd.combine(start, rs, LocalSgd.Combine.SQRT);
        // mean change (1 + 3 + 0 + 0) / 4 = 1 for the first weight, 2 for the second; √4 = 2
        assertThat(sqrt.weights()[0]).containsExactly(1f + 2 * 1f, 2f + 2 * 2f);
        assertThat(sqrt.m()[0]).containsExactly(1.5f, 1.5f);
        assertThat(sqrt.v()[0]).containsExactly(3.5f, 3.5f);
    }

    /** An embedding (3 rows of 2) after a round: each shard's weights and moments, and the rows its batches used. */
    static LocalSgd.Result embeddingResult(int shard, float[] w, float[] m, float[] v, int... rows) {
        LocalSgd.State s = new LocalSgd.State(new float[][] {w}, new float[][] {m}, new float[][] {v}, 14);
        return new LocalSgd.Result(shard, s, 4, 0, 0, 0, 0, 0, LocalSgd.Rows.idsOnly(0, 2, rows));
    }

    @Test
    void anEmbeddingRowIsCombinedOverTheShardsThatUsedItOnly() {
        float[] w0 = {0, 0, 10, 10, 5, 5};
        LocalSgd.State start = new LocalSgd.State(new float[][] {w0}, new float[][] {new float[6]}, new float[][] {new float[6]}, 10);
        // row 0: used by shard 0 only (+4); row 1: by both (+2 and +6); row 2: by neither (the same drift −1 on both)
        List<LocalSgd.Result> rs = List.of(
                embeddingResult(0, new float[] {4, 4, 12, 12, 4, 4}, new float[] {1, 1, 1, 1, 0, 0}, new float[] {2, 2, 2, 2, 0, 0}, 0, 1),
                embeddingResult(1, new float[] {0, 0, 16, 16, 4, 4}, new float[] {0, 0, 3, 3, 0, 0}, new float[] {0, 0, 6, 6, 0, 0}, 1));
        LocalSgd.State mean = LocalSgd.combine(start, rs, LocalSgd.Combine.MEAN);
        assertThat(mean.weights()[0]).containsExactly(4, 4, 14, 14, 4, 4); // row 0 keeps shard 0's whole +4
        assertThat(mean.m()[0]).containsExactly(1, 1, 2, 2, 0, 0);
        assertThat(mean.v()[0]).containsExactly(2, 2, 4, 4, 0, 0);
        LocalSgd.State sum = LocalSgd.combine(start, rs, LocalSgd.Combine.SUM);
        assertThat(sum.weights()[0]).containsExactly(4, 4, 18, 18, 4, 4); // row 2's common drift counted once
        LocalSgd.State sqrt = LocalSgd.combine(start, rs, LocalSgd.Combine.SQRT);
        float both = (float) (10 + Math.sqrt(2) * 4);
        assertThat(sqrt.weights()[0]).containsExactly(4, 4, both, both, 4, 4);
    }

    @Test
    void shardsWithoutStepsDoNotDiluteAndOneShardIsTakenAsItIs() {
        LocalSgd.State start = state(1, 0, 0, 10);
        LocalSgd.State moved = state(1.1f, 0.3f, 0.7f, 13);
        List<LocalSgd.Result> rs = List.of(result(0, moved, 3), result(1, start, 0));
        for (LocalSgd.Combine how : LocalSgd.Combine.values()) {
            LocalSgd.State c = LocalSgd.combine(start, rs, how);
            assertThat(c.weights()).isSameAs(moved.weights()); // not start + (moved - start), which may round differently
            assertThat(c.iterations()).isEqualTo(13);
        }
        assertThat(LocalSgd.combine(start, List.of(result(0, start, 0)), LocalSgd.Combine.MEAN)).isSameAs(start);
    }
}
