package org.jrnn.train;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jrnn.data.EncodedDataset;
import org.jrnn.nn.Sequential;
import org.jrnn.optim.Adam;

/**
 * The measurement behind {@code jrnn bench}, defined like the PyTorch anchor's bench.py
 * (shared/anchors/pytorch/README.md, "What is measured"): warm-up on a throw-away model, then
 * one timed epoch in the SplitMix64 order (or its first N batches, scaled and labelled
 * "extrapolated"), real tokens only; then inference over the test set in file order at batch
 * 256 after 2 warm-up batches; test accuracy; peak heap and RSS. Unlike the anchor, the warm-up
 * also runs the inference path until the JIT has compiled it; the process's first, cold
 * inference pass is reported separately.
 */
public final class Benchmark {
    /** Inference warm-up on the throw-away model: at least this many test-set passes... */
    static final int INFERENCE_WARMUP_PASSES = 3;
    /** ...and at least this long. */
    static final double INFERENCE_WARMUP_SECONDS = 2.0;

    private Benchmark() {}

    /**
     * A benchmark's figures in four groups; as JSON (Jackson) the groups are unwrapped into one flat
     * object with these component names as keys, the layout bench/compare.sh and bench/results read.
     */
    public record Result(@JsonUnwrapped Setup setup, @JsonUnwrapped Training training, @JsonUnwrapped Inference inference,
                         @JsonUnwrapped Memory memory) {}

    /** What was measured: preset, threads, kernels, data and model sizes. */
    public record Setup(String preset, int threads, String kernels, int trainRows, int testRows, int vocabSize, long params) {}

    /**
     * Training throughput over {@code batchesTimed} of {@code batchesPerEpoch} batches; {@code epochSeconds}
     * is measured for a full epoch, else extrapolated ({@code epochSecondsKind} says which).
     */
    public record Training(int batchesTimed, int batchesPerEpoch, double trainSeconds, long realTokens, long samples,
                           double tokensPerSecond, double samplesPerSecond, double epochSeconds, String epochSecondsKind) {}

    /**
     * Inference over the test set at batch 256: the anchor's single timed pass, the steady state (best of
     * 5 passes), the process's cold first pass; test accuracy after a full epoch, else null.
     */
    public record Inference(double inferenceSeconds, double inferenceSamplesPerSecond, double steadyInferenceSamplesPerSecond,
                            double coldInferenceSamplesPerSecond, Double testAccuracy) {}

    /** Peak heap (sum of the heap pools' peaks) and resident set (VmHWM; NaN off Linux). */
    public record Memory(double peakHeapMib, double peakRssMib) {}

    public static Result run(TrainConfig cfg, TrainJob.Prepared data, int maxBatches, int warmupBatches) {
        EncodedDataset train = data.train();
        int b = cfg.optim().batchSize();
        int threads = cfg.run().threads();
        boolean lazy = cfg.optim().lazyEmbeddingAdam();
        int batchesPerEpoch = (train.size() + b - 1) / b;
        int timed = maxBatches > 0 ? Math.min(maxBatches, batchesPerEpoch) : batchesPerEpoch;
        int[] order = Shuffle.permutation(train.size(), cfg.optim().seed());

        // Warm-up (JIT, thread pool, allocator) on a throw-away model from another seed. The
        // inference path gets passes over the test set until the JIT has compiled it (at least
        // INFERENCE_WARMUP_PASSES and INFERENCE_WARMUP_SECONDS): the anchor's single pass is
        // enough for Python, not for C2, whose full compiles wait for hundreds of calls. The
        // first of these passes is reported too: the cold figure of a process's first inference.
        Sequential warm = data.model().build(data.vectorizer().size(), train.numClasses(), cfg.optim().seed() + 1);
        double coldSeconds;
        try (Trainer t = new Trainer(warm, Adam.keras(cfg.optim().learningRate()), threads).lazyEmbeddingUpdates(lazy)) {
            runBatches(t, train, order, b, Math.min(warmupBatches, batchesPerEpoch));
            long w0 = System.nanoTime();
            t.evaluate(data.test(), 256);
            coldSeconds = (System.nanoTime() - w0) / 1e9;
            for (int pass = 1; pass < INFERENCE_WARMUP_PASSES || (System.nanoTime() - w0) / 1e9 < INFERENCE_WARMUP_SECONDS; pass++) {
                t.evaluate(data.test(), 256);
            }
        }

        Sequential model = TrainJob.buildModel(cfg, data);
        double seconds;
        long tokens, samples;
        double inferSeconds;
        double steadySeconds;
        double acc;
        try (Trainer t = new Trainer(model, Adam.keras(cfg.optim().learningRate()), threads).lazyEmbeddingUpdates(lazy)) {
            long t0 = System.nanoTime();
            long[] counts = runBatches(t, train, order, b, timed);
            seconds = (System.nanoTime() - t0) / 1e9;
            tokens = counts[0];
            samples = counts[1];
            int inferBatch = 256;
            EncodedDataset test = data.test();
            t.evaluate(test.head(2 * inferBatch), inferBatch); // 2 warm-up batches, as the anchor
            long i0 = System.nanoTime();
            acc = t.evaluate(test, inferBatch).accuracy();
            inferSeconds = (System.nanoTime() - i0) / 1e9;
            // Also the steady state: best of 5 more passes, once the JIT has compiled the
            // inference path (a serving process runs it for hours). Reported separately.
            double best = Double.MAX_VALUE;
            for (int rep = 0; rep < 5; rep++) {
                long r0 = System.nanoTime();
                t.evaluate(test, inferBatch);
                best = Math.min(best, (System.nanoTime() - r0) / 1e9);
            }
            steadySeconds = best;
        }
        boolean full = timed == batchesPerEpoch;
        int testRows = data.test().size();
        return new Result(
                new Setup(cfg.preset().name(), threads, org.jrnn.kernels.Kernels.get().toString(), train.size(), testRows,
                        data.vectorizer().size(), model.paramCount()),
                new Training(timed, batchesPerEpoch, seconds, tokens, samples, tokens / seconds, samples / seconds,
                        full ? seconds : seconds * batchesPerEpoch / timed, full ? "measured" : "extrapolated"),
                new Inference(inferSeconds, testRows / inferSeconds, testRows / steadySeconds, testRows / coldSeconds, full ? acc : null),
                new Memory(peakHeapMib(), peakRssMib()));
    }

    /** Trains the first n batches of the order (the anchor's plain slices); returns {real tokens, samples}. */
    static long[] runBatches(Trainer t, EncodedDataset train, int[] order, int batchSize, int n) {
        int[][] plan = Batching.plan(order, train.tokens(), batchSize, false, 0);
        long tokens = 0, samples = 0;
        for (int bi = 0; bi < n; bi++) {
            EncodedDataset rows = train.select(plan[bi]);
            t.trainStep(rows.tokens(), rows.labels(), bi);
            tokens += rows.realTokens();
            samples += rows.size();
        }
        return new long[] {tokens, samples};
    }

    /** Peak heap use over the run: the sum of the heap pools' peaks (an upper bound). */
    static double peakHeapMib() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) peak += pool.getPeakUsage().getUsed();
        }
        return peak / (1024.0 * 1024.0);
    }

    /** The process's resident-set high-water mark (VmHWM), or NaN off Linux. */
    static double peakRssMib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (Exception e) {
            // not Linux
        }
        return Double.NaN;
    }

    /**
     * Cost of padding: trains {@code batches} batches of fixed real length, each sequence
     * followed by {@code padFactor − 1} times as many padding ids, and returns seconds. With a
     * masked model the time stays flat as padding grows; unmasked, it grows with padded length.
     */
    public static double paddingRun(Sequential model, int batchSize, int realLength, int padFactor, int batches, int threads, long seed) {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
        int vocab = model.embedding().vocabSize();
        int[][][] xs = new int[batches][batchSize][];
        int[][] ys = new int[batches][batchSize];
        for (int bi = 0; bi < batches; bi++) {
            for (int s = 0; s < batchSize; s++) {
                int len = Math.max(1, realLength - s % 5); // a little variety, like real batches
                int[] seq = new int[len * padFactor];
                for (int t = 0; t < len; t++) seq[t] = 2 + rng.nextInt(vocab - 2);
                xs[bi][s] = seq;
                ys[bi][s] = rng.nextInt(model.outputSize());
            }
        }
        try (Trainer t = new Trainer(model, Adam.keras(), threads)) {
            for (int bi = 0; bi < batches; bi++) t.trainStep(xs[bi], ys[bi], bi); // warm-up
            double best = Double.MAX_VALUE;
            for (int rep = 0; rep < 3; rep++) { // best of 3: the machine may be shared
                long t0 = System.nanoTime();
                for (int bi = 0; bi < batches; bi++) t.trainStep(xs[bi], ys[bi], bi);
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
            return best;
        }
    }

}
