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
