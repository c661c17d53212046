package org.jrnn.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BatchingTest {
    @Test
    void plainBatchesAreConsecutiveSlicesOfTheOrder() {
        int[] order = Shuffle.permutation(10, 1);
        int[][] plan = Batching.plan(order, new int[10][], 4, false, 1);
        assertThat(plan).hasNumberOfRows(3);
        assertThat(plan[0]).containsExactly(Arrays.copyOfRange(order, 0, 4));
        assertThat(plan[2]).containsExactly(Arrays.copyOfRange(order, 8, 10));
    }

    @Test
    void bucketsCoverEveryRowOnceAndGroupSimilarLengths() {
        SplittableRandom rng = new SplittableRandom(3);
        int n = 1000;
        int[][] tokens = new int[n][];
        for (int i = 0; i < n; i++) tokens[i] = new int[1 + rng.nextInt(100)];
        int[][] plan = Batching.plan(Shuffle.permutation(n, 2), tokens, 16, true, 2);
        int[] seen = new int[n];
        double spreadBucketed = 0;
        for (int[] b : plan) {
            int min = Integer.MAX_VALUE, max = 0;
            for (int i : b) {
                seen[i]++;
                min = Math.min(min, tokens[i].length);
                max = Math.max(max, tokens[i].length);
            }
            spreadBucketed += max - min;
        }
        assertThat(seen).containsOnly(1);
        double spreadPlain = 0;
        for (int[] b : Batching.plan(Shuffle.permutation(n, 2), tokens, 16, false, 2)) {
            int min = Integer.MAX_VALUE, max = 0;
            for (int i : b) {
                min = Math.min(min, tokens[i].length);
                max = Math.max(max, tokens[i].length);
            }
            spreadPlain += max - min;
        }
        assertThat(spreadBucketed).isLessThan(spreadPlain / 5);
    }

    @Test
    void shuffleMatchesTheAnchorsSplitMix64FisherYates() {
        // Printed by the anchor's bench.py splitmix64_permutation(n, 42) with /usr/bin/python3.
        assertThat(Shuffle.permutation(10, 42)).containsExactly(0, 9, 5, 8, 6, 4, 7, 2, 1, 3);
        assertThat(Arrays.copyOf(Shuffle.permutation(28692, 42), 8)).containsExactly(5558, 18771, 8936, 25001, 16055, 626, 20494, 677);
    }
}
