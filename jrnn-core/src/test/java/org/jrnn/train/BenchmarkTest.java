package org.jrnn.train;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchmarkTest {
    @Test
    void theGroupedResultIsOneFlatJsonObjectAsBenchCompareReadsIt() {
        Benchmark.Result r = new Benchmark.Result(new Benchmark.Setup("gru", 2, "scalar", 100, 20, 50, 1234),
                new Benchmark.Training(3, 7, 1.5, 900, 48, 600, 32, 3.5, "extrapolated"),
                new Benchmark.Inference(0.1, 200, 250, 90, null), new Benchmark.Memory(64, 128));
        @SuppressWarnings("unchecked")
        Map<String, Object> json = new ObjectMapper().convertValue(r, Map.class);
        assertThat(json).containsOnlyKeys("preset", "threads", "kernels", "trainRows", "testRows", "vocabSize", "params",
                "batchesTimed", "batchesPerEpoch", "trainSeconds", "realTokens", "samples", "tokensPerSecond", "samplesPerSecond",
                "epochSeconds", "epochSecondsKind", "inferenceSeconds", "inferenceSamplesPerSecond", "steadyInferenceSamplesPerSecond",
                "coldInferenceSamplesPerSecond", "testAccuracy", "peakHeapMib", "peakRssMib");
        assertThat(json).containsEntry("tokensPerSecond", 600.0).containsEntry("kernels", "scalar").containsEntry("peakRssMib", 128.0)
                .containsEntry("testAccuracy", null);
    }
}
