// The embedded sample: loads from the class path, has the documented sizes and a balanced class mix,
// including in the first 2,000 training rows (the anchor adapts its vocabulary on the first 2,000).
package org.jrnn.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EmbeddedDataTest {

    @Test
    void sampleHasTheDocumentedSizesAndBalancedClasses() {
        List<Example> train = EmbeddedData.train();
        List<Example> test = EmbeddedData.test();
        assertThat(train).hasSize(24_000);
        assertThat(test).hasSize(1_900);
        assertThat(classCounts(train)).containsExactly(6000, 6000, 6000, 6000);
        assertThat(classCounts(train.subList(0, 2000))).containsExactly(500, 500, 500, 500);
        assertThat(classCounts(test)).containsExactly(475, 475, 475, 475);
        // Shuffled, not grouped by class.
        assertThat(train.subList(0, 20).stream().map(Example::label).distinct().count()).isEqualTo(4);
    }

    @Test
    void trainAndTestDoNotOverlap() {
        Set<String> seen = new HashSet<>();
        EmbeddedData.train().forEach(e -> seen.add(e.text(TextField.TITLE_AND_DESCRIPTION)));
        assertThat(seen).hasSize(24_000);
        assertThat(EmbeddedData.test()).noneMatch(e -> seen.contains(e.text(TextField.TITLE_AND_DESCRIPTION)));
    }

    private static int[] classCounts(List<Example> rows) {
        int[] counts = new int[AgNewsCsv.NUM_CLASSES];
        rows.forEach(e -> counts[e.label()]++);
        return counts;
    }
}
