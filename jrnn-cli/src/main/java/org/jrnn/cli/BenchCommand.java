package org.jrnn.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jrnn.files.AtomicFiles;
import org.jrnn.nn.Sequential;
import org.jrnn.train.Benchmark;
import org.jrnn.model.ModelSpec;
import org.jrnn.train.Preset;
import org.jrnn.train.TrainConfig;
import org.jrnn.train.TrainJob;
import org.jrnn.errors.UserInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure training and inference throughput the way the PyTorch anchor does",
                "(shared/anchors/pytorch/README.md): vocabulary on the first 2,000 rows, SplitMix64 order, real tokens only."})
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--preset", defaultValue = Preset.DEFAULT, description = "Preset (default ${DEFAULT-VALUE}).")
    String preset;

    @Mixin
    DataDirOption data;

    @Mixin
    ThreadsOption threads;

    @Option(names = "--max-batches", defaultValue = "0", description = "Time only the first N batches and extrapolate the epoch (0 = full epoch).")
    int maxBatches;

    @Option(names = "--warmup-batches", defaultValue = "30", description = {"Training batches on a throw-away model first (default ${DEFAULT-VALUE}); then inference passes on it",
            "until the JIT has compiled that path (>= 3 passes and >= 2 s). The cold first pass is reported too."})
    int warmup;

    /** The anchor adapts its vocabulary on the first 2,000 rows (shared/anchors/pytorch/README.md). */
    @Option(names = "--adapt-rows", defaultValue = "2000", description = "Vocabulary rows (default ${DEFAULT-VALUE}, as the anchor).")
    int adaptRows;

    @Mixin
    EmbeddingAdamOption embeddingAdam;

    @Option(names = "--padding-scan", description = "Instead: time training on fixed real lengths with growing trailing padding, masked vs unmasked.")
    boolean paddingScan;

    @Option(names = "--json-out", paramLabel = "FILE", description = "Write the result as JSON.")
    Path jsonOut;

    /**
     * One epoch of the preset's model and batch size on all training rows (no validation split, as the
     * anchor); every setting without an option here is the config's default.
     */
    TrainConfig config() {
        return TrainConfig.builder(Preset.get(preset)).dataDir(data.dir).epochs(1).valSplit(0).patience(0).adaptRows(adaptRows)
                .lazyEmbeddingAdam(embeddingAdam.lazy()).threads(threads.get()).build();
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        int t = threads.get();
        Preset p = Preset.get(preset);
        if (maxBatches < 0) throw new UserInputException("--max-batches must be >= 0, received: " + maxBatches);
        Object json;
        if (paddingScan) {
            json = paddingScan(p, t, out);
        } else {
            TrainConfig cfg = config();
            TrainJob.Prepared prepared = TrainJob.prepare(cfg);
            Benchmark.Result r = Benchmark.run(cfg, prepared, maxBatches, warmup);
            Benchmark.Setup su = r.setup();
            Benchmark.Training tr = r.training();
            Benchmark.Inference in = r.inference();
            out.printf(Locale.ROOT, "[%s] threads=%d kernels=%s train_rows=%d batches=%d/%d vocab=%d params=%,d%n",
                    su.preset(), su.threads(), su.kernels(), su.trainRows(), tr.batchesTimed(), tr.batchesPerEpoch(), su.vocabSize(), su.params());
            out.printf(Locale.ROOT, "train %,.0f tokens/s %,.0f samples/s | epoch %.1f s (%s) | infer %,.0f samples/s (b=256; steady state %,.0f; cold first pass %,.0f) | test acc %s | peak heap %.0f MiB, RSS %.0f MiB%n",
                    tr.tokensPerSecond(), tr.samplesPerSecond(), tr.epochSeconds(), tr.epochSecondsKind(), in.inferenceSamplesPerSecond(),
                    in.steadyInferenceSamplesPerSecond(), in.coldInferenceSamplesPerSecond(),
                    in.testAccuracy() == null ? "n/a (partial epoch)" : String.format(Locale.ROOT, "%.2f %%", 100 * in.testAccuracy()),
                    r.memory().peakHeapMib(), r.memory().peakRssMib());
            Map<String, Object> m = new LinkedHashMap<>(new ObjectMapper().convertValue(r, Map.class));
            m.put("machine", Machine.describe());
            json = m;
        }
        out.flush();
        if (jsonOut != null) {
            AtomicFiles.writeString(jsonOut, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json));
        }
        return 0;
    }

    private List<Map<String, Object>> paddingScan(Preset p, int t, PrintWriter out) {
        List<Map<String, Object>> rows = new ArrayList<>();
        out.printf("padding scan: %s, batch %d, 37 real tokens per sequence, 200 batches, %d threads%n", p.name(), p.batchSize(), t);
        out.printf("%-8s %-12s %10s %14s%n", "masked", "padded x", "seconds", "real tokens/s");
        for (boolean masked : new boolean[] {true, false}) {
            for (int factor : new int[] {1, 2, 4, 8}) {
                ModelSpec ms = new ModelSpec(p.model().embeddingDim(), masked, p.model().layers());
                Sequential model = ms.build(11358, 4, 42);
                double s = Benchmark.paddingRun(model, p.batchSize(), 37, factor, 200, t, 7);
                double realTokens = 200.0 * p.batchSize() * 35; // mean of 37..33
                out.printf(Locale.ROOT, "%-8s %-12d %10.3f %,14.0f%n", masked, factor, s, realTokens / s);
                out.flush();
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("masked", masked);
                m.put("padding_factor", factor);
                m.put("seconds", s);
                rows.add(m);
            }
        }
        return rows;
    }
}
