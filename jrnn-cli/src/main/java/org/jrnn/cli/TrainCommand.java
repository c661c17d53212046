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
import org.jrnn.files.AtomicFiles;
import org.jrnn.nn.Sequential;
import org.jrnn.text.WordVectors;
import org.jrnn.model.EpochMetrics;
import org.jrnn.model.ModelSpec;
import org.jrnn.train.Preset;
import org.jrnn.train.TrainConfig;
import org.jrnn.train.TrainJob;
import org.jrnn.train.TrainingListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a classifier (default: preset rnn_masked on the embedded AG News sample).",
                "Validation data is the test set, as in the lesson, unless --val-split holds out training rows.",
                "--train/--test take AG News CSVs or any CSV/TSV (see the column options)."})
final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--preset", defaultValue = Preset.DEFAULT, description = "Model preset (see 'jrnn presets'; default ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--model", paramLabel = "FILE.json", description = "Architecture file (overrides the preset's model; see README).")
    Path modelFile;

    @Option(names = "--data", paramLabel = "DIR", description = "Folder with train.csv and test.csv, or ag-news for the 'jrnn download' cache. Default: embedded sample.")
    Path data;

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

    @Option(names = "--lr", defaultValue = "0.001", description = "Adam learning rate (default ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--seed", defaultValue = "42", description = "Seed for init and shuffling (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--vocab-size", defaultValue = "20000", description = "max_tokens incl. padding and [UNK] (default ${DEFAULT-VALUE}).")
    int vocabSize;

    @Option(names = "--adapt-rows", defaultValue = "0", description = "Adapt the vocabulary on the first N training rows (0 = all, default).")
    int adaptRows;

    @Option(names = "--vocab-ties", defaultValue = "first", description = "Vocabulary tie order: first or keras.")
    String ties;

    @Option(names = "--text", description = "title or title+description (default: the preset's); for a table: the first text column, or all of them.")
    String text;

    @Option(names = "--max-train-samples", defaultValue = "0", description = "Use only the first N training rows (0 = all).")
    int maxTrainSamples;

    @Option(names = "--threads", description = "Training threads (default: available processors).")
    Integer threads;

    @Option(names = "--embedding-adam", defaultValue = "dense", paramLabel = "dense|lazy",
            description = "dense: exact Adam on every embedding row (Keras, default); lazy: only the rows a batch uses (PyTorch SparseAdam).")
    String embeddingAdam;

    @Option(names = "--clip-norm", defaultValue = "0", description = "Clip gradients to this global L2 norm (0 = off).")
    double clipNorm;

    @Option(names = "--checkpoint-dir", paramLabel = "DIR", description = "Save a checkpoint here every --checkpoint-every steps and at each epoch end.")
    Path checkpointDir;

    @Option(names = "--checkpoint-every", defaultValue = "500", paramLabel = "STEPS", description = "Steps between checkpoints (default ${DEFAULT-VALUE}; 0 = epoch ends only).")
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

    @Option(names = {"-q", "--quiet"}, description = "No progress bars or summary; only the final line.")
    boolean quiet;

    @Option(names = "--verbose", description = "Stack traces on errors.")
    boolean verbose;

    /** The embedded sample is small: two epochs reach the lesson's ~80 % in seconds. */
    static final int EMBEDDED_DEFAULT_EPOCHS = 2;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Preset p = Preset.get(preset);
        ModelSpec spec2 = modelFile != null ? ModelSpec.read(modelFile) : null;
        boolean embedded = data == null && trainFile == null;
        int e = epochs != null ? epochs : (embedded ? Math.max(EMBEDDED_DEFAULT_EPOCHS, p.epochs()) : p.epochs());
        TrainConfig cfg = new TrainConfig(p, spec2, data, trainFile, testFile, e, batchSize, seed, vocabSize, adaptRows,
                Options.ties(ties), maxTrainSamples, lr, text == null ? null : Options.textField(text),
                threads != null ? threads : Runtime.getRuntime().availableProcessors(), bucket,
                valSplit != null ? valSplit : p.valSplit(), patience != null ? patience : p.patience(),
                Options.lazyEmbedding(embeddingAdam), clipNorm, format.spec(), embeddings, freezeEmbeddings);
        if (resume && checkpointDir == null) throw new IllegalArgumentException("--resume needs --checkpoint-dir");
        TrainJob.Prepared prepared = TrainJob.prepare(cfg);
        Sequential model = TrainJob.buildModel(cfg, prepared);
        if (!quiet) {
            out.printf(Locale.ROOT, "jrnn train: %s on %s: %,d train / %,d test rows, vocabulary %,d, batch %d, %d epoch%s, %d thread%s (data ready in %.1f s)%n",
                    modelFile != null ? "model " + modelFile : "preset " + p.name(), prepared.dataName(), prepared.train().size(), prepared.test().size(),
                    prepared.vectorizer().size(), cfg.effectiveBatchSize(), e, e == 1 ? "" : "s", cfg.threads(), cfg.threads() == 1 ? "" : "s",
                    prepared.seconds());
            if (!embedded) {
                out.printf("data: %s; %d classes: %s%s%n", prepared.format(), prepared.classNames().size(), String.join(", ", prepared.classNames()),
                        prepared.testIsValidation() ? "; no test file: the held-out split gives the validation and test figures" : "");
            }
            if (prepared.embeddings() != null) {
                WordVectors v = prepared.embeddings();
                out.printf(Locale.ROOT, "embeddings: %s%s in %s (%s, %d dims)%s%n", v.coverage(),
                        v.foundLowerCase() > 0 ? String.format(Locale.ROOT, ", %,d of them lower-cased", v.foundLowerCase()) : "",
                        v.file(), v.format(), v.dim(), cfg.freezeEmbeddings() ? "; frozen" : "");
            }
            out.print(model.summary());
            out.flush();
        }
        TrainJob.Result result = TrainJob.run(cfg, prepared, model, quiet ? TrainingListener.NONE : new ProgressListener(out),
                checkpointDir == null ? null : new TrainJob.Checkpointing(checkpointDir, checkpointEvery, resume));
        boolean testFigures = result.separateValidation() && !result.testIsValidation();
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
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("preset", r.config().preset().name());
        m.put("model", r.config().model());
        m.put("data", r.dataName());
        m.put("train_rows", r.trainRows());
        m.put("test_rows", r.testRows());
        m.put("vocab_size", r.vectorizer().size());
        m.put("params", r.model().paramCount());
        m.put("batch_size", r.config().effectiveBatchSize());
        m.put("seed", r.config().seed());
        m.put("threads", r.config().threads());
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
        m.put("validation", r.separateValidation() ? "held-out split of the training rows" : "test set");
        m.put("test", r.testIsValidation() ? "held-out split of the training rows (no test file)" : "test set");
        m.put("class_names", r.classNames());
        m.put("prep_seconds", r.prepSeconds());
        if (r.config().embeddings() != null) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("file", r.config().embeddings().toString());
            e.put("dim", r.config().model().embeddingDim());
            e.put("frozen", r.config().freezeEmbeddings());
            m.put("embeddings", e);
        }
        m.put("machine", Machine.describe());
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m);
    }

    /** Keras-like output: one progress bar per epoch, then a summary line. */
    static final class ProgressListener implements TrainingListener {
        private final PrintWriter out;
        private ProgressBar bar;
        private int epochs;

        ProgressListener(PrintWriter out) {
            this.out = out;
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
            out.printf(Locale.ROOT, "Epoch %d/%d - %.1fs - loss: %.4f - accuracy: %.4f - val_loss: %.4f - val_accuracy: %.4f - %,.0f tokens/s%n",
                    m.epoch(), epochs, m.seconds(), m.loss(), m.accuracy(), m.valLoss(), m.valAccuracy(), m.tokensPerSecond());
            out.flush();
        }
    }
}
