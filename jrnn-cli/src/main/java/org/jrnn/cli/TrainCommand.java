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
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.jrnn.errors.UserInputException;
import org.jrnn.files.AtomicFiles;
import org.jrnn.nn.Sequential;
import org.jrnn.text.WordVectors;
import org.jrnn.model.EpochMetrics;
import org.jrnn.model.ModelSpec;
import org.jrnn.text.LmVocabulary;
import org.jrnn.train.DataConfig;
import org.jrnn.train.LmConfig;
import org.jrnn.train.LmJob;
import org.jrnn.train.LmPreset;
import org.jrnn.train.OptimConfig;
import org.jrnn.train.Preset;
import org.jrnn.train.RunConfig;
import org.jrnn.train.TagTraining;
import org.jrnn.train.TrainConfig;
import org.jrnn.train.TrainJob;
import org.jrnn.train.TrainingListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a classifier (default: preset rnn_masked on the embedded AG News sample),",
                "or with --task lm a next-token language model for 'jrnn generate' (default: preset char_lstm128 on titles).",
                "Validation data is the test set, as in the lesson, unless --val-split holds out training rows.",
                "--train/--test take AG News CSVs or any CSV/TSV (see the column options)."})
final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--task", paramLabel = "classify|tag|lm", defaultValue = "classify",
            description = "classify (one label per text, the default), tag (one tag per token, from token-per-line --train/--test files) "
                    + "or lm (a language model: the next token at every step).")
    String task;

    @Option(names = "--preset", description = "Model preset (see 'jrnn presets'; default " + Preset.DEFAULT + ", with --task tag "
            + TagTraining.DEFAULT_PRESET + ", with --task lm " + LmPreset.DEFAULT + ").")
    String preset;

    @Option(names = "--tokens", paramLabel = "char|word", description = "--task lm: characters or words (default: the preset's).")
    String tokens;

    @Option(names = "--bptt", paramLabel = "N", defaultValue = "0",
            description = "--task lm: truncated back-propagation through time in windows of N tokens; each window of a text starts "
                    + "from the state its previous window ended in (the state is carried, the gradient stops at the window). 0 = whole texts.")
    int bptt;

    @Option(names = "--model", paramLabel = "FILE.json", description = "Architecture file (overrides the preset's model; see README).")
    Path modelFile;

    @Mixin
    DataDirOption data;

    @Option(names = "--train", paramLabel = "FILE", description = "Training CSV or TSV (with --test, or with --val-split alone).")
    Path trainFile;

    @Option(names = "--test", paramLabel = "FILE",
            description = "Test CSV or TSV; optional with --val-split, whose held-out rows then also give the test figures.")
    Path testFile;

    @Mixin
    DataFormatOptions format;

    @Option(names = "--embeddings", paramLabel = "FILE",
            description = "Initialise the embedding from pretrained vectors: GloVe or word2vec text, word2vec binary (*.bin); their dimension replaces the preset's.")
    Path embeddings;

    @Option(names = "--freeze-embeddings", description = "Keep the pretrained embedding fixed during training.")
    boolean freezeEmbeddings;

    @Option(names = "--epochs", description = "Epochs (default: the preset's, 1 for the lesson's presets; at least 2 on the embedded sample).")
    Integer epochs;

    @Option(names = "--batch-size", defaultValue = "0", description = "Batch size (default: the preset's).")
    int batchSize;

    @Option(names = "--lr", defaultValue = "" + OptimConfig.DEFAULT_LEARNING_RATE, description = "Adam learning rate (default ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--seed", defaultValue = "" + OptimConfig.DEFAULT_SEED, description = "Seed for init and shuffling (default ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    VocabOptions vocab;

    @Option(names = "--max-train-samples", defaultValue = "0", description = "Use only the first N training rows (0 = all).")
    int maxTrainSamples;

    @Mixin
    ThreadsOption threads;

    @Mixin
    EmbeddingAdamOption embeddingAdam;

    @Option(names = "--clip-norm", defaultValue = "0", description = "Clip gradients to this global L2 norm (0 = off).")
    double clipNorm;

    @Option(names = "--checkpoint-dir", paramLabel = "DIR", description = "Save a checkpoint here every --checkpoint-every steps and at each epoch end.")
    Path checkpointDir;

    @Option(names = "--checkpoint-every", defaultValue = "" + RunConfig.DEFAULT_CHECKPOINT_EVERY, paramLabel = "STEPS",
            description = "Steps between checkpoints (default ${DEFAULT-VALUE}; 0 = epoch ends only).")
    int checkpointEvery;

    @Option(names = "--resume", description = "Continue the checkpoint in --checkpoint-dir (bit-identical to an uninterrupted run with the same settings).")
    boolean resume;

    @Option(names = "--history-out", paramLabel = "FILE", description = "Write the per-epoch history as CSV (.csv) or JSON (other names).")
    Path historyOut;

    @Option(names = "--bucket", description = "Batch sequences of similar length together (Keras bucket_by_sequence_length).")
    boolean bucket;

    @Option(names = "--val-split", description = "Hold out this fraction of training rows for validation (default: the preset's; 0 = validate on the test set, as the lesson).")
    Double valSplit;

    @Option(names = "--early-stopping", paramLabel = "PATIENCE",
            description = "Stop after PATIENCE epochs without a lower val_loss and restore the best weights (default: the preset's; 0 = off).")
    Integer patience;

    @Option(names = "--metrics-out", paramLabel = "FILE", description = "Write the metrics as JSON here.")
    Path metricsOut;

    @Option(names = "--out", paramLabel = "FILE.jrnn", description = "Save the trained model here (see docs/FORMAT.md).")
    Path modelOut;

    @Option(names = {"-q", "--quiet"}, description = "No progress bars or summary; only the final line (and warnings).")
    boolean quiet;

    /** The embedded sample is small: two epochs reach the lesson's ~80 % in seconds. */
    static final int EMBEDDED_DEFAULT_EPOCHS = 2;

    /** The options as a config; options left out keep the preset's settings or the config's defaults. */
    TrainConfig config() throws java.io.IOException {
        Preset p = Preset.get(preset != null ? preset : Preset.DEFAULT);
        TrainConfig.Builder b = TrainConfig.builder(p);
        if (modelFile != null) b.model(ModelSpec.read(modelFile));
        boolean embedded = data.dir == null && trainFile == null;
        b.epochs(epochs != null ? epochs : embedded ? Math.max(EMBEDDED_DEFAULT_EPOCHS, p.epochs()) : p.epochs());
        if (batchSize != 0) b.batchSize(batchSize);
        if (valSplit != null) b.valSplit(valSplit);
        if (patience != null) b.patience(patience);
        return b.dataDir(data.dir).files(trainFile, testFile).columns(format.spec()).text(vocab.text(p.text()))
                .maxTrainSamples(maxTrainSamples).vocab(vocab.config()).embeddings(embeddings, freezeEmbeddings)
                .learningRate(lr).seed(seed).clipNorm(clipNorm).lazyEmbeddingAdam(embeddingAdam.lazy()).bucket(bucket)
                .threads(threads.get()).checkpoints(checkpointDir, checkpointEvery, resume)
                .build();
    }

    boolean languageModel() {
        return switch (task) {
            case "classify" -> false;
            case "lm" -> true;
            default -> throw new org.jrnn.errors.InvalidOptionException("--task must be classify, tag or lm, received: '" + task + "'");
        };
    }

    /** The options of a --task lm run. */
    LmConfig lmConfig() throws java.io.IOException {
        LmPreset p = LmPreset.get(preset != null ? preset : LmPreset.DEFAULT);
        if (embeddings != null) throw new org.jrnn.errors.UserInputException("--embeddings is for classifiers; --task lm does not take it yet");
        boolean embedded = data.dir == null && trainFile == null;
        int e = epochs != null ? epochs : embedded ? Math.max(EMBEDDED_DEFAULT_EPOCHS, p.epochs()) : p.epochs();
        DataConfig dc = new DataConfig(data.dir, trainFile, testFile, format.spec(), vocab.text(p.text()), maxTrainSamples,
                valSplit != null ? valSplit : 0);
        OptimConfig o = new OptimConfig(e, batchSize != 0 ? batchSize : p.batchSize(), lr, seed, clipNorm, false, bucket,
                patience != null ? patience : 0);
        return new LmConfig(modelFile != null ? "custom" : p.name(), dc, tokens != null ? LmVocabulary.Tokens.parse(tokens) : p.tokens(),
                vocab.vocabSize, modelFile != null ? ModelSpec.read(modelFile) : p.body(), bptt, o,
                new RunConfig(threads.get(), checkpointDir, checkpointEvery, resume));
    }

    /** A language model's epoch line: loss, perplexity and bits per token (bpc for characters). */
    static String lmLine(EpochMetrics m, int epochs, String bitsName) {
        return String.format(Locale.ROOT, "Epoch %d/%d - %.1fs - loss: %.4f - perplexity: %.3f - %s: %.4f - accuracy: %.4f"
                        + " - val_loss: %.4f - val_perplexity: %.3f - val_%s: %.4f - %,.0f tokens/s",
                m.epoch(), epochs, m.seconds(), m.loss(), LmJob.perplexity(m.loss()), bitsName, LmJob.bits(m.loss()), m.accuracy(),
                m.valLoss(), LmJob.perplexity(m.valLoss()), bitsName, LmJob.bits(m.valLoss()), m.tokensPerSecond());
    }

    static String bitsName(LmVocabulary v) {
        return v.kind() == LmVocabulary.Tokens.CHAR ? "bpc" : "bits_per_word";
    }

    private Integer trainLanguageModel(PrintWriter out, PrintWriter err) throws Exception {
        LmConfig cfg = lmConfig();
        LmJob.Prepared prepared = LmJob.prepare(cfg);
        Sequential model = LmJob.buildModel(cfg, prepared);
        String bits = bitsName(prepared.vocabulary());
        if (!quiet) {
            int e = cfg.optim().epochs();
            int t = cfg.run().threads();
            out.printf(Locale.ROOT, "jrnn train --task lm: %s on %s: %,d train / %,d test texts (%,d / %,d tokens), %s vocabulary %,d, "
                            + "batch %d, %d epoch%s, %d thread%s (data ready in %.1f s)%n",
                    modelFile != null ? "model " + modelFile : "preset " + cfg.preset(), prepared.dataName(), prepared.trainTexts(),
                    prepared.testTexts(), prepared.train().countedSteps(), prepared.test().countedSteps(), cfg.tokens().id(),
                    prepared.vocabulary().size(), cfg.optim().batchSize(), e, e == 1 ? "" : "s", t, t == 1 ? "" : "s", prepared.seconds());
            out.print(model.summary());
            out.flush();
        }
        TrainingListener listener = quiet ? warningsTo(err) : new ProgressListener(out, err, (m, epochs) -> lmLine(m, epochs, bits));
        LmJob.Result r = LmJob.run(cfg, prepared, model, listener);
        out.printf(Locale.ROOT, "final: test_loss %.4f, test_perplexity %.3f, test_%s %.4f, test_accuracy %.4f after %d epoch%s "
                        + "(%.1f s training, %,.0f tokens/s)%n", r.test().loss(), LmJob.perplexity(r.test().loss()), bits,
                LmJob.bits(r.test().loss()), r.test().accuracy(), r.history().size(), r.history().size() == 1 ? "" : "s",
                r.history().stream().mapToDouble(EpochMetrics::seconds).sum(), tokensPerSecond(r.history()));
        out.flush();
        if (historyOut != null) {
            AtomicFiles.writeString(historyOut, historyOut.toString().endsWith(".csv") ? historyCsv(r.history())
                    : new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(r.history()));
        }
        if (metricsOut != null) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("task", "lm");
            m.put("preset", cfg.preset());
            m.put("tokens", cfg.tokens().id());
            m.put("vocab_size", prepared.vocabulary().size());
            m.put("params", model.paramCount());
            m.put("batch_size", cfg.optim().batchSize());
            m.put("threads", cfg.run().threads());
            m.put("history", r.history());
            m.put("test_loss", r.test().loss());
            m.put("test_perplexity", LmJob.perplexity(r.test().loss()));
            m.put("test_" + bits, LmJob.bits(r.test().loss()));
            m.put("tokens_per_second", tokensPerSecond(r.history()));
            m.put("machine", Machine.describe());
            AtomicFiles.writeString(metricsOut, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m));
        }
        if (modelOut != null) {
            org.jrnn.io.ModelFile.save(modelOut, r.toSavedModel());
            out.println("saved model to " + modelOut);
            out.flush();
        }
        return 0;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (task.equals("tag")) {
            if (tokens != null || bptt != 0) throw new org.jrnn.errors.UserInputException("--tokens and --bptt are for --task lm");
            return TagTrain.run(this, out, err);
        }
        if (languageModel()) return trainLanguageModel(out, err);
        if (tokens != null || bptt != 0) throw new org.jrnn.errors.UserInputException("--tokens and --bptt are for --task lm");
        TrainConfig cfg = config();
        TrainJob.Prepared prepared = TrainJob.prepare(cfg);
        TrainJob.DataSummary d = prepared.summary();
        Sequential model = TrainJob.buildModel(cfg, prepared);
        if (!quiet) {
            int e = cfg.optim().epochs();
            int t = cfg.run().threads();
            out.printf(Locale.ROOT, "jrnn train: %s on %s: %,d train / %,d test rows, vocabulary %,d, batch %d, %d epoch%s, %d thread%s (data ready in %.1f s)%n",
                    modelFile != null ? "model " + modelFile : "preset " + cfg.preset().name(), d.name(), prepared.train().size(), prepared.test().size(),
                    prepared.vectorizer().size(), cfg.optim().batchSize(), e, e == 1 ? "" : "s", t, t == 1 ? "" : "s", d.seconds());
            if (!cfg.data().embedded()) {
                out.printf("data: %s; %d classes: %s%s%n", d.format(), d.classNames().size(), String.join(", ", d.classNames()),
                        d.testIsValidation() ? "; no test file: the held-out split gives the validation and test figures" : "");
            }
            if (prepared.embeddings() != null) {
                WordVectors v = prepared.embeddings();
                out.printf(Locale.ROOT, "embeddings: %s%s in %s (%s, %d dims)%s%n", v.coverage(),
                        v.foundLowerCase() > 0 ? String.format(Locale.ROOT, ", %,d of them lower-cased", v.foundLowerCase()) : "",
                        v.file(), v.format(), v.dim(), cfg.model().freezeEmbeddings() ? "; frozen" : "");
            }
            out.print(model.summary());
            out.flush();
        }
        TrainJob.Result result = TrainJob.run(cfg, prepared, model, quiet ? warningsTo(err) : new ProgressListener(out, err));
        boolean testFigures = result.data().separateValidation() && !result.data().testIsValidation();
        out.printf(Locale.ROOT, "final: %s %.4f, %s %.4f after %d epoch%s (%.1f s training, %,.0f tokens/s)%n",
                testFigures ? "test_accuracy" : "val_accuracy", result.test().accuracy(),
                testFigures ? "test_loss" : "val_loss", result.test().loss(),
                result.history().size(), result.history().size() == 1 ? "" : "s",
                result.history().stream().mapToDouble(EpochMetrics::seconds).sum(), tokensPerSecond(result.history()));
        out.flush();
        if (metricsOut != null) {
            AtomicFiles.writeString(metricsOut, metricsJson(result));
        }
        if (historyOut != null) {
            AtomicFiles.writeString(historyOut, historyOut.toString().endsWith(".csv") ? historyCsv(result.history())
                    : new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(result.history()));
        }
        if (modelOut != null) {
            org.jrnn.io.ModelFile.save(modelOut, result.toSavedModel());
            out.println("saved model to " + modelOut);
            out.flush();
        }
        return 0;
    }

    static String historyCsv(List<EpochMetrics> h) {
        StringBuilder sb = new StringBuilder("epoch,loss,accuracy,val_loss,val_accuracy,seconds,real_tokens,samples\n");
        for (EpochMetrics m : h) {
            sb.append(String.format(Locale.ROOT, "%d,%.6f,%.6f,%.6f,%.6f,%.3f,%d,%d%n", m.epoch(), m.loss(), m.accuracy(),
                    m.valLoss(), m.valAccuracy(), m.seconds(), m.realTokens(), m.samples()));
        }
        return sb.toString();
    }

    static double tokensPerSecond(List<EpochMetrics> h) {
        long tokens = 0;
        double s = 0;
        for (EpochMetrics m : h) {
            tokens += m.realTokens();
            s += m.seconds();
        }
        return tokens / s;
    }

    static String metricsJson(TrainJob.Result r) throws Exception {
        TrainConfig c = r.config();
        TrainJob.DataSummary d = r.data();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("preset", c.preset().name());
        m.put("model", c.model().spec());
        m.put("data", d.name());
        m.put("train_rows", d.trainRows());
        m.put("test_rows", d.testRows());
        m.put("vocab_size", r.vectorizer().size());
        m.put("params", r.model().paramCount());
        m.put("batch_size", c.optim().batchSize());
        m.put("seed", c.optim().seed());
        m.put("threads", c.run().threads());
        m.put("epochs", r.history().size());
        List<Double> loss = new ArrayList<>(), acc = new ArrayList<>(), vl = new ArrayList<>(), va = new ArrayList<>(), secs = new ArrayList<>();
        for (EpochMetrics e : r.history()) {
            loss.add(e.loss());
            acc.add(e.accuracy());
            vl.add(e.valLoss());
            va.add(e.valAccuracy());
            secs.add(e.seconds());
        }
        m.put("train_loss", loss);
        m.put("train_accuracy", acc);
        m.put("val_loss", vl);
        m.put("val_accuracy", va);
        m.put("epoch_seconds", secs);
        m.put("tokens_per_second", tokensPerSecond(r.history()));
        m.put("test_loss", r.test().loss());
        m.put("test_accuracy", r.test().accuracy());
        m.put("validation", d.separateValidation() ? "held-out split of the training rows" : "test set");
        m.put("test", d.testIsValidation() ? "held-out split of the training rows (no test file)" : "test set");
        m.put("class_names", d.classNames());
        m.put("prep_seconds", d.seconds());
        if (c.model().embeddings() != null) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("file", c.model().embeddings().toString());
            e.put("dim", c.model().spec().embeddingDim());
            e.put("frozen", c.model().freezeEmbeddings());
            m.put("embeddings", e);
        }
        m.put("machine", Machine.describe());
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m);
    }

    /** With --quiet: no progress, but warnings still reach standard error. */
    static TrainingListener warningsTo(PrintWriter err) {
        return new TrainingListener() {
            @Override
            public void warning(String message) {
                ProgressListener.warn(err, message);
            }
        };
    }

    /** Keras-like output: one progress bar per epoch, then a summary line. */
    static final class ProgressListener implements TrainingListener {
        private final PrintWriter out;
        private final PrintWriter err;
        private final java.util.function.BiFunction<EpochMetrics, Integer, String> line;
        private ProgressBar bar;
        private int epochs;

        ProgressListener(PrintWriter out, PrintWriter err) {
            this(out, err, (m, epochs) -> String.format(Locale.ROOT,
                    "Epoch %d/%d - %.1fs - loss: %.4f - accuracy: %.4f - val_loss: %.4f - val_accuracy: %.4f - %,.0f tokens/s",
                    m.epoch(), epochs, m.seconds(), m.loss(), m.accuracy(), m.valLoss(), m.valAccuracy(), m.tokensPerSecond()));
        }

        /** With {@code line} giving each epoch's summary (epoch figures, epochs in all). */
        ProgressListener(PrintWriter out, PrintWriter err, java.util.function.BiFunction<EpochMetrics, Integer, String> line) {
            this.out = out;
            this.err = err;
            this.line = line;
        }

        static void warn(PrintWriter err, String message) {
            err.println("jrnn: warning: " + message);
            err.flush();
        }

        @Override
        public void warning(String message) {
            warn(err, message);
        }

        @Override
        public void epochStarted(int epoch, int epochs, int batches) {
            this.epochs = epochs;
            bar = new ProgressBarBuilder().setTaskName("Epoch " + epoch + "/" + epochs).setInitialMax(batches)
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).setMaxRenderedLength(110)
                    .continuousUpdate().build();
        }

        @Override
        public void batchFinished(int batch, double runningLoss, double runningAccuracy) {
            bar.stepTo(batch);
            if ((batch & 15) == 0) bar.setExtraMessage(String.format(Locale.ROOT, " loss %.4f acc %.4f", runningLoss, runningAccuracy));
        }

        @Override
        public void resumed(int epoch, int batch, long step) {
            out.printf("Resuming from checkpoint: epoch %d, batch %d (step %d)%n", epoch, batch, step);
            out.flush();
        }

        @Override
        public void earlyStopped(int epoch, int bestEpoch) {
            out.printf("Early stopping after epoch %d; restored the weights of epoch %d (lowest val_loss)%n", epoch, bestEpoch);
            out.flush();
        }

        @Override
        public void epochFinished(EpochMetrics m) {
            bar.close();
            out.println(line.apply(m, epochs));
            out.flush();
        }
    }
}
