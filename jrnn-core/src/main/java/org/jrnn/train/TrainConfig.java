package org.jrnn.train;

import java.nio.file.Path;
import java.util.Objects;
import org.jrnn.data.ColumnSpec;
import org.jrnn.data.TextField;
import org.jrnn.model.ModelSpec;
import org.jrnn.text.TextVectorizer;

/**
 * Everything one training run needs, grouped by concern and validated up front (each group in its
 * compact constructor), so a bad setting fails before any data is read. Start from
 * {@link #builder(Preset)}: the preset gives the architecture, text, batch size, epochs, validation
 * split and patience; every other default is a constant of its group ({@link VocabConfig},
 * {@link OptimConfig}, {@link RunConfig}).
 *
 * @param preset the named configuration the run started from (recorded in metrics and model files,
 *     also when {@code model} replaces its architecture)
 */
public record TrainConfig(Preset preset, DataConfig data, VocabConfig vocab, ModelConfig model, OptimConfig optim, RunConfig run) {

    public TrainConfig {
        Objects.requireNonNull(preset, "preset");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(vocab, "vocab");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(optim, "optim");
        Objects.requireNonNull(run, "run");
    }

    /** The preset's settings and the groups' defaults; change any of them, then {@link Builder#build()}. */
    public static Builder builder(Preset preset) {
        return new Builder(preset);
    }

    /** The same run with another architecture (the embedding dimension of pretrained vectors). */
    public TrainConfig withModel(ModelSpec spec) {
        return new TrainConfig(preset, data, vocab, model.withSpec(spec), optim, run);
    }

    /**
     * What must not change between a checkpoint and its resumption.
     *
     * @param settings everything that decides the numbers (not the number of epochs, which may grow);
     *     a checkpoint with other settings is refused
     * @param numerics the kernels' {@link org.jrnn.kernels.Kernels#numerics()}: another value still
     *     resumes, but not bit-identically, and the run says so
     */
    public record Fingerprint(String settings, String numerics) {}

    /** This run's fingerprint for its vocabulary and training rows, with this process's kernels. */
    public Fingerprint fingerprint(TextVectorizer vocabulary, int trainRows) {
        String vocabHash = vocabulary.size() + ":" + Integer.toHexString(vocabulary.vocabulary().hashCode());
        String settings = String.join(";", "model=" + model.spec().toJson().replaceAll("\\s+", ""), "seed=" + optim.seed(),
                "batch=" + optim.batchSize(), "threads=" + run.threads(), "lr=" + optim.learningRate(), "text=" + data.text(),
                "vocab=" + vocabHash, "train_rows=" + trainRows, "bucket=" + optim.bucket(), "val_split=" + data.valSplit(),
                "patience=" + optim.patience(), "lazy=" + optim.lazyEmbeddingAdam(), "clip=" + optim.clipNorm(),
                "embeddings=" + model.embeddings() + (model.freezeEmbeddings() ? ",frozen" : ""));
        return new Fingerprint(settings, org.jrnn.kernels.Kernels.numerics());
    }

    /**
     * Collects a run's settings; each {@code build()} validates them into a {@link TrainConfig}. Not
     * thread-safe.
     */
    public static final class Builder {
        private final Preset preset;
        private Path dataDir;
        private Path trainFile;
        private Path testFile;
        private ColumnSpec columns = ColumnSpec.DEFAULT;
        private TextField text;
        private int maxTrainSamples;
        private double valSplit;
        private int vocabSize = VocabConfig.DEFAULT.vocabSize();
        private int adaptRows = VocabConfig.DEFAULT.adaptRows();
        private TextVectorizer.TieOrder ties = VocabConfig.DEFAULT.ties();
        private ModelSpec spec;
        private Path embeddings;
        private boolean freezeEmbeddings;
        private int epochs;
        private int batchSize;
        private double learningRate = OptimConfig.DEFAULT_LEARNING_RATE;
        private long seed = OptimConfig.DEFAULT_SEED;
        private double clipNorm;
        private boolean lazyEmbeddingAdam;
        private boolean bucket;
        private int patience;
        private int threads = RunConfig.defaults().threads();
        private Path checkpointDir;
        private int checkpointEvery = RunConfig.DEFAULT_CHECKPOINT_EVERY;
        private boolean resume;

        private Builder(Preset preset) {
            this.preset = Objects.requireNonNull(preset, "preset");
            text = preset.text();
            spec = preset.model();
            epochs = preset.epochs();
            batchSize = preset.batchSize();
            valSplit = preset.valSplit();
            patience = preset.patience();
        }

        /** A folder with train.csv and test.csv ("ag-news": the download cache); null = the embedded sample. */
        public Builder dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        /** Training and test files; {@code test} may be null with a validation split. */
        public Builder files(Path train, Path test) {
            this.trainFile = train;
            this.testFile = test;
            return this;
        }

        public Builder columns(ColumnSpec c) {
            this.columns = c;
            return this;
        }

        public Builder text(TextField t) {
            this.text = t;
            return this;
        }

        public Builder maxTrainSamples(int n) {
            this.maxTrainSamples = n;
            return this;
        }

        public Builder valSplit(double f) {
            this.valSplit = f;
            return this;
        }

        /** All three vocabulary settings at once. */
        public Builder vocab(VocabConfig v) {
            return vocabSize(v.vocabSize()).adaptRows(v.adaptRows()).ties(v.ties());
        }

        public Builder vocabSize(int n) {
            this.vocabSize = n;
            return this;
        }

        public Builder adaptRows(int n) {
            this.adaptRows = n;
            return this;
        }

        public Builder ties(TextVectorizer.TieOrder t) {
            this.ties = t;
            return this;
        }

        /** Another architecture than the preset's. */
        public Builder model(ModelSpec s) {
            this.spec = s;
            return this;
        }

        public Builder embeddings(Path vectors, boolean freeze) {
            this.embeddings = vectors;
            this.freezeEmbeddings = freeze;
            return this;
        }

        public Builder epochs(int n) {
            this.epochs = n;
            return this;
        }

        public Builder batchSize(int n) {
            this.batchSize = n;
            return this;
        }

        public Builder learningRate(double lr) {
            this.learningRate = lr;
            return this;
        }

        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        public Builder clipNorm(double c) {
            this.clipNorm = c;
            return this;
        }

        public Builder lazyEmbeddingAdam(boolean on) {
            this.lazyEmbeddingAdam = on;
            return this;
        }

        public Builder bucket(boolean on) {
            this.bucket = on;
            return this;
        }

        public Builder patience(int epochs) {
            this.patience = epochs;
            return this;
        }

        public Builder threads(int n) {
            this.threads = n;
            return this;
        }

        /** Checkpoint into {@code dir} every {@code everySteps} steps and at epoch ends; {@code resume} continues the one there. */
        public Builder checkpoints(Path dir, int everySteps, boolean resume) {
            this.checkpointDir = dir;
            this.checkpointEvery = everySteps;
            this.resume = resume;
            return this;
        }

        /** Validates and returns the config; throws an {@link org.jrnn.errors.InvalidOptionException} naming the setting. */
        public TrainConfig build() {
            return new TrainConfig(preset,
                    new DataConfig(dataDir, trainFile, testFile, columns, text, maxTrainSamples, valSplit),
                    new VocabConfig(vocabSize, adaptRows, ties),
                    new ModelConfig(spec, embeddings, freezeEmbeddings),
                    new OptimConfig(epochs, batchSize, learningRate, seed, clipNorm, lazyEmbeddingAdam, bucket, patience),
                    new RunConfig(threads, checkpointDir, checkpointEvery, resume));
        }
    }
}
