// PackedLayout against a plain reference: a stable sort by decreasing length (what
// pack_padded_sequence(enforce_sorted=False) does), then PyTorch's batch_sizes.
package org.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class PackedLayoutTest {

    @Property
    void sortsLongestFirstKeepingTiesInInputOrder(@ForAll @Size(min = 1, max = 60) List<@IntRange(min = 0, max = 12) Integer> given) {
        int[] lengths = given.stream().mapToInt(Integer::intValue).toArray();
        PackedLayout lay = PackedLayout.ofLengths(lengths);

        Integer[] expected = new Integer[lengths.length];
        for (int i = 0; i < expected.length; i++) expected[i] = i;
        Arrays.sort(expected, Comparator.comparingInt((Integer i) -> Math.max(lengths[i], 1)).reversed());
        assertThat(lay.sortedToOriginal).containsExactly(Arrays.stream(expected).mapToInt(Integer::intValue).toArray());
        for (int s = 0; s < lay.batch; s++) {
            assertThat(lay.lengths[s]).isEqualTo(Math.max(lengths[lay.sortedToOriginal[s]], 1));
        }
        // batch_sizes: sequences still running at each step; rows = real tokens (empty counts as one).
        for (int t = 0; t < lay.steps; t++) {
            int running = 0;
            for (int len : lay.lengths) if (len > t) running++;
            assertThat(lay.batchSizes[t]).as("step %d", t).isEqualTo(running);
        }
        assertThat(lay.rows).isEqualTo(Arrays.stream(lay.lengths).sum());
    }

    @Test
    void knownExample() {
        PackedLayout lay = PackedLayout.ofLengths(new int[] {2, 5, 0, 5, 3});
        assertThat(lay.sortedToOriginal).containsExactly(1, 3, 4, 0, 2);
        assertThat(lay.lengths).containsExactly(5, 5, 3, 2, 1);
        assertThat(lay.batchSizes).containsExactly(5, 4, 3, 2, 2);
        assertThat(lay.offsets).containsExactly(0, 5, 9, 12, 14, 16);
    }

    @Test
    void rejectsNegativeLengths() {
        assertThatThrownBy(() -> PackedLayout.ofLengths(new int[] {3, -1}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative length at 1");
    }
}
