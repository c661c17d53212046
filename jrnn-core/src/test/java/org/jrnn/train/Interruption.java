// Test support for resume tests: a listener that ends a run with an exception after a given number of batches,
// as a crash would between two checkpoints, and records where a resumed run says it continues.
package org.jrnn.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.jrnn.model.EpochMetrics;
import org.jrnn.nn.Param;
import org.jrnn.nn.Sequential;

/** Counts batches; throws {@link Crash} at batch {@code stopAt} (0 = never); keeps what {@link #resumed} reports. */
final class Interruption implements TrainingListener {
    static final class Crash extends RuntimeException {
        Crash(long step) {
            super("interrupted after step " + step);
        }
    }

    private final long stopAt;
    long steps;
    long[] resumedAt; // epoch, batch, step

    Interruption(long stopAt) {
        this.stopAt = stopAt;
    }

    @Override
    public void batchFinished(int batch, double runningLoss, double runningAccuracy) {
        if (++steps == stopAt) throw new Crash(steps);
    }

    @Override
    public void resumed(int epoch, int batch, long step) {
        resumedAt = new long[] {epoch, batch, step};
    }

    /** Every parameter of {@code b} equals {@code a}'s bit for bit. */
    static void assertSameWeights(Sequential a, Sequential b) {
        Map<String, Param> x = a.stateDict();
        Map<String, Param> y = b.stateDict();
        assertThat(y.keySet()).containsExactlyElementsOf(x.keySet());
        for (String k : x.keySet()) {
            int i = java.util.Arrays.mismatch(x.get(k).data, y.get(k).data);
            assertThat(i).as("%s first differs at [%d]", k, i).isEqualTo(-1);
        }
    }

    /** The figures of each epoch (not its seconds): loss, accuracy, val_loss, val_accuracy, tokens, samples. */
    static List<List<Object>> figures(List<EpochMetrics> h) {
        return h.stream().map(m -> List.<Object>of(m.loss(), m.accuracy(), m.valLoss(), m.valAccuracy(), m.realTokens(), m.samples())).toList();
    }
}
